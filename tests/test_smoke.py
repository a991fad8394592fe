from tests.conftest import make_thread


async def test_guest_sees_a_thread_on_the_latest_page(client, member):
    await make_thread(member, title="Battery drains overnight")
    response = await client.get("/")
    assert response.status_code == 200
    assert "Battery drains overnight" in response.text
