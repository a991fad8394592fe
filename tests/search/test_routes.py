"""The search page, its filters and errors, the box on every page, and similar threads on
the new-thread form (with and without JavaScript)."""

from forum.search import service as search
from forum.threads.models import Thread
from tests.conftest import csrf_token, login, make_category, make_reply, make_thread, submit


async def test_the_search_box_is_on_every_page(client, member):
    thread = await make_thread(member)
    for path in ("/", "/categories", thread.url, "/login"):
        page = await client.get(path)
        assert 'action="/search"' in page.text and 'name="q"' in page.text


async def test_results_show_highlighted_titles_snippets_and_links_to_the_post(
    client, member, other_member
):
    thread = await make_thread(member, title="Router firmware update", body="Which version?")
    reply = await make_reply(thread, other_member, "Firmware 2.1 fixed it for me")

    page = await client.get("/search", params={"q": "firmware"})

    assert page.status_code == 200
    assert "1 thread found" in page.text
    assert "Router <mark>firmware</mark> update" in page.text
    assert "<mark>Firmware</mark> 2.1 fixed it for me" in page.text
    assert f'href="{thread.post_url(reply.number)}"' in page.text


async def test_nothing_found_says_so_and_offers_to_ask(client, member):
    await login(client, member)
    page = await client.get("/search", params={"q": "xylophone"})
    assert "Nothing matches “xylophone”" in page.text
    assert 'href="/t/new"' in page.text


async def test_bad_filters_are_explained_beside_their_fields_and_the_query_is_kept(
    client, database
):
    page = await client.get(
        "/search",
        params={
            "q": "battery life",
            "author": "nobody_here",
            "from": "31/02/2026",
            "category": "x",
        },
    )
    assert page.status_code == 400
    assert 'value="battery life"' in page.text
    assert 'id="author-error"' in page.text and "No member has this username." in page.text
    assert 'id="from-error"' in page.text and "Enter a date like 2026-03-31." in page.text
    assert 'id="category-error"' in page.text


async def test_only_excluded_words_ask_for_a_word_to_look_for(client, database):
    page = await client.get("/search", params={"q": "-router"})
    assert page.status_code == 400
    assert "Add a word to look for" in page.text


async def test_filters_in_the_address_keep_working_across_pages(client, member, monkeypatch):
    monkeypatch.setattr(search, "RESULTS_PER_PAGE", 2)
    support = await make_category(name="Help", slug="help")
    for number in range(5):
        await make_thread(member, support, title=f"Lens cap lost {number}", body=f"Lens {number}")
    await make_thread(member, title="Lens cap elsewhere", body="Lens elsewhere")

    first = await client.get("/search", params={"q": "lens", "category": "help"})
    assert "5 threads found" in first.text
    assert 'href="/search?q=lens&amp;category=help&amp;page=2"' in first.text
    third = await client.get("/search", params={"q": "lens", "category": "help", "page": "3"})
    assert third.text.count('class="search-hit"') == 1
    assert (await client.get("/search", params={"q": "lens", "page": "99"})).status_code == 404


async def test_similar_threads_appear_for_a_typed_title(client, member, other_member):
    solved = await make_thread(member, title="Headset will not pair")
    answer = await make_reply(solved, other_member, "Hold both buttons")
    from forum.threads import service as threads

    await threads.mark_solution(answer, member)
    fragment = await client.get("/search/similar", params={"title": "my headset does not pair"})
    assert "Headset will not pair" in fragment.text
    assert "Solved" in fragment.text
    assert "<html" not in fragment.text
    none = await client.get("/search/similar", params={"title": "zzzz qqqq"})
    assert "No similar threads found." in none.text


async def test_checking_for_similar_threads_without_javascript_posts_nothing_and_keeps_the_text(
    client, member
):
    await make_thread(member, title="Speaker crackles at high volume")
    await login(client, member)
    await client.get("/t/new")
    before = await Thread.all().count()

    page = await submit(client, "/t/new", {
        "category": "1", "title": "Crackles from my speaker", "body": "Since the update…",
        "check": "1",
    })  # fmt: skip

    assert page.status_code == 200
    assert await Thread.all().count() == before
    assert "Speaker crackles at high volume" in page.text
    assert 'value="Crackles from my speaker"' in page.text and "Since the update…" in page.text
    assert csrf_token(client)


async def test_the_dashboard_lists_top_searches_and_those_that_found_nothing(
    client, member, manager
):
    await make_thread(member, title="Charging case", body="Case charging slowly")
    for query in ("charging case", "charging case", "refund policy"):
        await client.get("/search", params={"q": query})
    await login(client, manager)

    page = await client.get("/admin")

    top = page.text.split("Top searches", 1)[1].split("Searches that found nothing", 1)
    assert "charging case" in top[0] and ">2<" in top[0]
    assert "refund policy" in top[1] and "charging case" not in top[1]
