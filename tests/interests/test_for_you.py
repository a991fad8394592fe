"""The home page: latest for guests (and a Top tab), "For you" for members who follow something,
each thread with its reason; and the Top list by period."""

from datetime import timedelta

import pytest

from forum import pagecache
from forum.interests import service
from forum.notifications import service as notifications
from forum.notifications.models import LEVELS
from forum.threads import service as threads
from forum.threads import tags as tagging
from forum.threads.models import Thread
from tests.conftest import (
    count_queries,
    general,
    login,
    make_category,
    make_reply,
    make_thread,
    make_user,
)


async def follow_category(user, category, level="tracking"):
    await notifications.set_category_level(user, category.id, LEVELS[level])


async def age(thread, days: float) -> None:
    """Move a thread's start and last activity `days` into the past."""
    moment = service.now() - timedelta(days=days)
    await Thread.filter(id=thread.id).update(created_at=moment, last_posted_at=moment)


def rows(html: str) -> list[str]:
    """The thread titles of a page's list, in order."""
    return [
        part.split(">", 1)[1].split("<", 1)[0] for part in html.split('class="thread-title"')[1:]
    ]


async def test_guests_see_the_latest_threads_with_tabs_for_latest_and_top(client, member):
    await make_thread(member, title="A thread for everyone")
    page = await client.get("/")
    assert page.status_code == 200 and "A thread for everyone" in page.text
    assert 'href="/latest" aria-current="page"' in page.text and 'href="/top"' in page.text
    assert 'href="/for-you"' not in page.text
    assert 'href="/feeds/latest.rss"' in page.text


async def test_a_member_who_follows_nothing_sees_the_latest_threads_and_is_asked_to_choose(
    client, member, other_member
):
    await make_thread(other_member, title="Something happening")
    await login(client, member)
    page = await client.get("/")
    assert "Something happening" in page.text and 'href="/settings/interests"' in page.text
    assert "Choose your interests" in page.text
    for_you = await client.get("/for-you")
    assert "Choose your interests" in for_you.text


async def test_a_member_who_follows_a_category_lands_on_for_you(client, member, other_member):
    support = await make_category(name="Support desk")
    await follow_category(member, support)
    await make_thread(other_member, title="In the followed category", category=support)
    await make_thread(other_member, title="Somewhere else")
    await make_thread(member, title="My own thread", category=support)
    stale = await make_thread(other_member, title="Quiet for weeks", category=support)
    await age(stale, service.ACTIVE_DAYS + 1)
    await login(client, member)
    page = await client.get("/")
    assert 'href="/for-you" aria-current="page"' in page.text
    assert rows(page.text) == ["In the followed category"]
    assert "In Support desk, a category you follow" in page.text
    # The latest list is a tab away, and paging goes on there.
    assert "Somewhere else" in (await client.get("/latest")).text


async def test_following_a_tag_brings_its_threads_with_the_reason(client, member, other_member):
    await tagging.create_tag({"name": "Battery"})
    tag = await tagging.get("battery")
    await notifications.set_tag_level(member, tag.id, LEVELS["watching"])
    await threads.start_thread(
        other_member, category_id=str((await general()).id), title="Drains overnight",
        body="Since the update", tags=["battery"],
    )  # fmt: skip
    await make_thread(other_member, title="Untagged")
    await login(client, member)
    page = await client.get("/for-you")
    assert rows(page.text) == ["Drains overnight"]
    assert "Tagged Battery, a tag you follow" in page.text


async def test_unanswered_questions_where_the_member_answered_before(member, other_member):
    support = await make_category(name="Support desk", kind="support")
    elsewhere = await make_category(name="Other desk", kind="support")
    asked = await make_thread(other_member, title="How do I pair it", category=support)
    answer = await make_reply(asked, member, "Hold the button")
    await threads.mark_solution(await threads.get_post(answer.id), other_member)
    waiting = await make_thread(await make_user(), title="Why does it beep", category=support)
    answered = await make_thread(await make_user(), title="Already helped", category=support)
    await make_reply(answered, other_member, "Try this")
    await make_thread(await make_user(), title="Other desk question", category=elsewhere)
    old = await make_thread(await make_user(), title="Old question", category=support)
    await age(old, service.UNANSWERED_DAYS + 1)
    picks = (await service.for_you(member)).picks
    assert [(pick.thread.id, pick.reason) for pick in picks] == [(waiting.id, "answered")]
    assert "your answers were accepted" in picks[0].why


async def test_an_answer_to_their_own_question_does_not_count(member, other_member):
    support = await make_category(name="Support desk", kind="support")
    asked = await make_thread(member, title="How do I pair it", category=support)
    answer = await make_reply(asked, member, "Found it myself")
    await threads.mark_solution(await threads.get_post(answer.id), member)
    await make_thread(other_member, title="Why does it beep", category=support)
    assert (await service.for_you(member)).picks == []


async def test_muted_categories_tags_and_threads_are_left_out(member, other_member):
    support = await make_category(name="Support desk")
    noisy = await make_category(name="Noisy desk")
    await tagging.create_tag({"name": "Battery"})
    await tagging.create_tag({"name": "Spam"})
    await notifications.set_tag_level(member, (await tagging.get("battery")).id, LEVELS["tracking"])
    await notifications.set_tag_level(member, (await tagging.get("spam")).id, LEVELS["muted"])
    await follow_category(member, support)
    await follow_category(member, noisy, "muted")

    async def start(title, category, *tags):
        return await threads.start_thread(
            other_member, category_id=str(category.id), title=title, body=title, tags=list(tags)
        )

    await start("Shown thread", support)
    await start("Tagged but in a muted category", noisy, "battery")
    await start("Carries a muted tag", support, "spam")
    muted = await start("Muted thread", support)
    await notifications.set_thread_level(member, muted, LEVELS["muted"])
    picks = (await service.for_you(member)).picks
    assert [pick.thread.title for pick in picks] == ["Shown thread"]


async def test_a_thread_found_twice_comes_once_with_the_first_reason(member, other_member):
    await tagging.create_tag({"name": "Battery"})
    await notifications.set_tag_level(member, (await tagging.get("battery")).id, LEVELS["tracking"])
    await follow_category(member, await general())
    await threads.start_thread(
        other_member, category_id=str((await general()).id), title="Drains overnight",
        body="Since the update", tags=["battery"],
    )  # fmt: skip
    [pick] = (await service.for_you(member)).picks
    assert pick.reason == "category"


async def test_the_list_is_newest_activity_first_and_deleted_threads_leave_it(member, other_member):
    await follow_category(member, await general())
    first = await make_thread(other_member, title="Started first")
    second = await make_thread(other_member, title="Started second")
    await make_reply(first, other_member, "Bumped")
    assert [p.thread.id for p in (await service.for_you(member)).picks] == [first.id, second.id]
    opening = (await threads.thread_page(second, 1))[0]
    await threads.delete_post(await threads.get_post(opening.id), other_member)
    assert [p.thread.id for p in (await service.for_you(member)).picks] == [first.id]


async def test_threads_like_ones_the_member_replied_to(member, other_member):
    """Found by the search feature from the titles of the threads they took part in."""
    seen = await make_thread(other_member, title="Bluetooth pairing fails on the kettle")
    await make_reply(seen, member, "Same here")
    like = await make_thread(other_member, title="Bluetooth pairing drops every hour")
    await make_thread(other_member, title="Descaling with vinegar")
    picks = (await service.for_you(member)).picks
    assert [(pick.thread.id, pick.reason) for pick in picks] == [(like.id, "replied")]
    assert picks[0].why == "Similar to threads you replied to"


async def test_threads_like_ones_the_member_liked(member, other_member):
    seen = await make_thread(other_member, title="Bluetooth pairing fails on the kettle")
    opening = (await threads.thread_page(seen, 1))[0]
    await threads.like(await threads.get_post(opening.id), member)
    like = await make_thread(other_member, title="Bluetooth pairing drops every hour")
    picks = (await service.for_you(member)).picks
    assert [(pick.thread.id, pick.reason) for pick in picks] == [(like.id, "liked")]


async def test_threads_like_ones_the_member_replied_to_and_liked(member, other_member):
    replied = await make_thread(other_member, title="Bluetooth pairing fails on the kettle")
    await make_reply(replied, member, "Same here")
    liked = await make_thread(other_member, title="Bluetooth pairing and the toaster")
    opening = (await threads.thread_page(liked, 1))[0]
    await threads.like(await threads.get_post(opening.id), member)
    like = await make_thread(other_member, title="Bluetooth pairing drops every hour")
    picks = (await service.for_you(member)).picks
    assert [(pick.thread.id, pick.reason) for pick in picks] == [(like.id, "engaged")]
    assert picks[0].why == "Similar to threads you replied to or liked"


async def _home_queries(client) -> int:
    await pagecache.bump()  # measured after a write: nothing shared from before
    with count_queries() as statements:
        response = await client.get("/")
    assert response.status_code == 200 and "For you" in response.text
    return len(statements)


async def test_the_home_page_of_a_member_costs_the_same_few_queries_however_much_is_for_them(
    client, member, other_member
):
    """Every part of "For you" is one read: 1 or 25 threads, from several categories, tags,
    replies, likes and answers, cost the same queries."""
    support = await make_category(name="Support desk", kind="support")
    await follow_category(member, support)
    await follow_category(member, await general())
    await tagging.create_tag({"name": "Battery"})
    await notifications.set_tag_level(member, (await tagging.get("battery")).id, LEVELS["tracking"])
    asked = await make_thread(other_member, title="Pairing the kettle", category=support)
    answer = await make_reply(asked, member, "Hold the button")
    await threads.mark_solution(await threads.get_post(answer.id), other_member)
    await threads.like(await threads.get_post(answer.id), other_member)
    await make_thread(other_member, title="Pairing the toaster", category=support)
    await login(client, member)
    await client.get("/")  # the community's settings and the tag names are cached after this
    few = await _home_queries(client)
    authors = [await make_user() for _ in range(5)]
    for number in range(25):
        await threads.start_thread(
            authors[number % 5], category_id=str(support.id), title=f"Pairing question {number}",
            body=f"Body {number}", tags=["battery"] if number % 2 else [],
        )  # fmt: skip
    seen = await make_thread(other_member, title="Pairing the fridge")
    await threads.like(await threads.get_post((await threads.thread_page(seen, 1))[0].id), member)
    many = await _home_queries(client)
    assert few == many
    # The content version and the session (2); the member's category and tag levels (1);
    # categories with their accepted answers and the unanswered questions there (2); followed
    # categories' and tags' threads (2); their latest replies and likes (2); the search
    # feature's similar threads
    # (3: titles, matches, visible ones) and those threads' rows (1); muted threads (1); the
    # header's unread notifications, the unread lists' counts and the "new" marks (3).
    assert many <= 17, many


# --- Top


@pytest.mark.parametrize("period", ["week", "all"])
async def test_top_ranks_the_periods_threads_by_likes_then_replies(client, member, period):
    likers = [await make_user() for _ in range(3)]

    async def liked(title, likes, replies=0, days=0):
        thread = await make_thread(member, title=title)
        opening = await threads.get_post((await threads.thread_page(thread, 1))[0].id)
        for liker in likers[:likes]:
            await threads.like(opening, liker)
        for _ in range(replies):
            await make_reply(thread, likers[0])
        if days:
            await age(thread, days)
        return thread

    await liked("One like", 1)
    await liked("Two likes, no replies", 2)
    await liked("Two likes and a reply", 2, replies=1)
    await liked("Three likes, long ago", 3, days=40)
    page = await client.get(f"/top?period={period}")
    expected = ["Two likes and a reply", "Two likes, no replies", "One like"]
    if period == "all":
        expected.insert(0, "Three likes, long ago")
    assert rows(page.text) == expected
    assert f'href="/top?period={period}" aria-current="page"' in page.text


async def test_a_deleted_thread_leaves_top_at_once(client, member, other_member):
    thread = await make_thread(member, title="Soon deleted")
    await client.get("/top")  # ranked and kept for a while
    opening = await threads.get_post((await threads.thread_page(thread, 1))[0].id)
    await threads.delete_post(opening, member)
    await pagecache.bump()  # written behind the app's back, as the worker would
    assert "Soon deleted" not in (await client.get("/top")).text


async def test_an_unknown_period_shows_the_week(client, member):
    await make_thread(member, title="This week")
    page = await client.get("/top?period=forever")
    assert page.status_code == 200 and "This week" in page.text
    assert 'href="/top?period=week" aria-current="page"' in page.text
