"""Interests at onboarding: after sign-up the member is asked what they care about, can skip,
and changes it later in settings; following is tracking (never lowering a higher level)."""

from forum.accounts.models import User
from forum.advocacy import service as advocacy
from forum.advocacy.models import BadgeAward
from forum.notifications import service as notifications
from forum.notifications.models import LEVELS
from forum.threads import tags as tagging
from tests.conftest import PASSWORD, confirm_signup, general, login, make_category, submit


async def test_a_new_member_lands_on_the_welcome_step_and_their_choices_show_in_settings(
    client, database
):
    support = await make_category(name="Support desk", kind="support")
    await tagging.create_tag({"name": "Battery"})
    await submit(
        client, "/register?next=/c/general",
        {"username": "ana", "email": "ana@example.com", "password": PASSWORD},
    )  # fmt: skip
    # The mailed link carries where they were going.
    response = await confirm_signup(client, "ana@example.com")
    assert response.headers["location"] == "/welcome?next=/c/general"
    page = await client.get("/welcome?next=/c/general")
    assert "What do you care about?" in page.text
    assert f'name="category" value="{support.id}"' in page.text
    assert 'name="tag" value="battery"' in page.text
    assert 'href="/c/general">Skip for now' in page.text
    response = await submit(
        client, "/welcome?next=/c/general",
        {"category": [str(support.id)], "tag": ["battery"], "bio": "I fix kettles"},
    )  # fmt: skip
    assert response.status_code == 303 and response.headers["location"] == "/c/general"
    member = await User.get(username="ana")
    assert member.bio == "I fix kettles"
    settings = await client.get("/settings/interests")
    assert f'value="{support.id}" checked' in settings.text
    assert 'value="battery" checked' in settings.text
    assert f'value="{(await general()).id}" checked' not in settings.text
    assert 'href="/settings/interests" aria-current="page"' in settings.text


async def test_following_tracks_without_lowering_a_watched_category_and_unticking_stops_it(
    client, member
):
    support = await make_category(name="Support desk")
    tag = await tagging.create_tag({"name": "Battery"})
    await notifications.set_category_level(member, support.id, LEVELS["watching"])
    await login(client, member)
    await submit(client, "/settings/interests", {
        "category": [str(support.id), str((await general()).id)], "tag": ["battery"],
    })  # fmt: skip
    categories = await notifications.category_levels_of(member.id)
    assert categories == {support.id: LEVELS["watching"], (await general()).id: LEVELS["tracking"]}
    assert await notifications.tag_levels_of(member.id) == {tag.id: LEVELS["tracking"]}
    response = await submit(client, "/settings/interests", {"category": [str(support.id)]})
    assert response.headers["location"] == "/settings/interests?saved=1"
    assert (await notifications.category_levels_of(member.id))[(await general()).id] == (
        LEVELS["normal"]
    )
    assert await notifications.tag_levels_of(member.id) == {tag.id: LEVELS["normal"]}


async def test_a_muted_category_stays_muted_unless_ticked(client, member):
    await notifications.set_category_level(member, (await general()).id, LEVELS["muted"])
    await login(client, member)
    await submit(client, "/settings/interests", {})
    assert (await notifications.category_levels_of(member.id))[(await general()).id] == (
        LEVELS["muted"]
    )


async def test_choosing_on_the_welcome_step_completes_the_welcome_badge(client, member):
    await login(client, member)
    await submit(client, "/welcome", {"category": [str((await general()).id)], "bio": "Hi"})
    assert await advocacy.award_welcomes() == 1
    assert await BadgeAward.filter(user_id=member.id, key=f"welcome:{member.id}").exists()


async def test_following_only_tags_completes_the_welcome_too(client, member):
    await tagging.create_tag({"name": "Battery"})
    await login(client, member)
    await submit(client, "/welcome", {"tag": ["battery"], "bio": "Hi"})
    assert await advocacy.award_welcomes() == 1


async def test_skipping_changes_nothing_and_a_bad_next_stays_on_the_site(client, member):
    await login(client, member)
    page = await client.get("/welcome?next=https://evil.example/")
    assert 'href="https://evil.example/"' not in page.text
    assert 'href="/">Skip for now' in page.text
    assert await notifications.category_levels_of(member.id) == {}


async def test_a_too_long_bio_is_refused_and_nothing_is_followed(client, member):
    await login(client, member)
    response = await submit(
        client, "/welcome", {"category": [str((await general()).id)], "bio": "x" * 2001}
    )
    assert response.status_code == 400 and 'id="bio-error"' in response.text
    assert await notifications.category_levels_of(member.id) == {}


async def test_guests_are_asked_to_sign_in_first(client, database):
    for url in ("/welcome", "/settings/interests", "/for-you"):
        response = await client.get(url)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
