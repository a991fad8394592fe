"""Unread tracking: the previous visit, read positions for every thread a member opens, the
New and Unread lists with their counts and dismiss buttons, and the thread page's first unread
post."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from forum import db, pagecache
from forum.accounts import service as accounts
from forum.accounts.models import Session, User
from forum.moderation import service as moderation
from forum.notifications import service, unread
from forum.notifications.models import MUTED, NORMAL, UNSET, WATCHING, Notification, ThreadWatch
from forum.threads import service as threads
from forum.threads.models import Thread
from tests.conftest import (
    count_queries,
    general,
    login,
    make_category,
    make_reply,
    make_thread,
    make_user,
    submit,
)


def _now() -> datetime:
    return datetime.now(UTC)


async def _started(thread: Thread, ago: timedelta) -> None:
    """Move a thread's start (and its last activity) into the past."""
    moment = _now() - ago
    await Thread.filter(id=thread.id).update(created_at=moment, last_posted_at=moment)


async def _last_visit(user: User, ago: timedelta) -> None:
    await User.filter(id=user.id).update(previous_seen_at=_now() - ago)


def _titles(html: str) -> list[str]:
    return re.findall(r'class="thread-title" href="[^"]*">([^<]+)</a>', html)


# --- The previous visit


async def test_a_request_after_an_hour_away_starts_a_new_visit_once(client, member):
    await login(client, member)
    away = _now() - timedelta(hours=3)
    await User.filter(id=member.id).update(last_seen_at=away)
    await Session.filter(user_id=member.id).update(last_seen_at=away)
    await client.get("/")
    seen = await User.get(id=member.id)
    assert seen.previous_seen_at == away
    assert _now() - seen.last_seen_at < timedelta(minutes=1)

    # Ten minutes later (the session is touched again) the visit goes on: nothing moves.
    later = _now() - timedelta(minutes=10)
    await User.filter(id=member.id).update(last_seen_at=later)
    await Session.filter(user_id=member.id).update(last_seen_at=later)
    await client.get("/")
    assert (await User.get(id=member.id)).previous_seen_at == away


async def test_a_session_seen_again_is_written_in_one_turn_at_the_write_lock(
    client, member, write_turns
):
    """A member back after five minutes has their session and their visit written together:
    on SQLite every process waits on each write turn."""
    await login(client, member)
    away = _now() - timedelta(minutes=10)
    await Session.filter(user_id=member.id).update(last_seen_at=away)
    pagecache.forget()  # the session as the database now has it
    write_turns.clear()
    with count_queries() as statements:
        await client.get("/categories")
    updates = [sql for sql in statements if sql.lstrip().upper().startswith("UPDATE")]
    assert len(updates) == 2  # the session and the member
    assert _now() - (await Session.get(user_id=member.id)).last_seen_at < timedelta(minutes=1)
    if db.dialect() == "sqlite":
        assert len(write_turns) == 1


async def test_an_ordinary_request_spends_no_query_on_visits(client, member):
    await login(client, member)
    await client.get("/")
    with count_queries() as statements:
        await client.get("/categories")
    assert not [sql for sql in statements if sql.lstrip().upper().startswith("UPDATE")]


async def test_signing_in_after_a_while_starts_a_new_visit(member):
    away = _now() - timedelta(days=2)
    await User.filter(id=member.id).update(last_seen_at=away)
    await accounts.start_session(await User.get(id=member.id))
    assert (await User.get(id=member.id)).previous_seen_at == away


# --- Read positions


async def test_opening_a_thread_keeps_the_read_position_without_choosing_a_level(
    client, member, other_member
):
    thread = await make_thread(other_member, title="Battery questions")
    for n in range(24):
        await make_reply(thread, await make_user(), f"Answer number {n}")
    await login(client, member)
    await client.get(thread.url)
    row = await ThreadWatch.get(user_id=member.id, thread_id=thread.id)
    assert (row.level, row.last_read) == (UNSET, 20)
    await client.get(f"{thread.url}?page=2")
    await client.get(thread.url)  # going back does not move the position back
    assert (await ThreadWatch.get(id=row.id)).last_read == 25
    assert await service.thread_level(member, await threads.get_thread(thread.id)) == NORMAL
    assert 'value="normal" selected' in (await client.get(thread.url)).text


async def test_reading_writes_only_when_the_read_position_moves(client, member, other_member):
    thread = await make_thread(other_member)
    await login(client, member)
    await client.get("/")

    async def writes() -> list[str]:
        with count_queries() as statements:
            await client.get(thread.url)
        return [sql.split()[0].upper() for sql in statements if not sql.startswith("SELECT")]

    assert await writes() == ["INSERT"]  # the first visit keeps a read position
    assert await writes() == []  # nothing new: nothing written
    await make_reply(thread, other_member, "Something new")
    assert await writes() == ["UPDATE"]


async def test_a_read_position_leaves_the_category_level_in_force(client, member, other_member):
    """Opening a thread must not change what the member hears: the category's watching (or
    muting) still applies to it."""
    watched, muted = await make_category(), await make_category()
    await service.set_category_level(member, watched.id, WATCHING)
    await service.set_category_level(member, muted.id, MUTED)
    loud = await make_thread(other_member, category=watched, title="Loud thread")
    quiet = await make_thread(other_member, category=muted, title="Quiet thread")
    await login(client, member)
    await client.get(loud.url)
    await client.get(quiet.url)
    await Notification.filter(user_id=member.id).delete()
    await make_reply(loud, other_member, "A reply the watcher hears of")
    await make_reply(quiet, other_member, "@ana a mention nobody hears of")
    assert [n.thread_id for n in await Notification.filter(user_id=member.id)] == [loud.id]


async def test_replying_to_an_opened_thread_watches_it(client, member, other_member):
    thread = await make_thread(other_member)
    await login(client, member)
    await client.get(thread.url)
    await make_reply(thread, member, "I have the same problem")
    row = await ThreadWatch.get(user_id=member.id, thread_id=thread.id)
    assert (row.level, row.last_read) == (WATCHING, 2)


# --- The thread page


async def test_the_thread_page_marks_where_the_new_replies_start(client, member, other_member):
    thread = await make_thread(other_member, title="Screen flickers")
    await make_reply(thread, other_member, "Any idea anyone?")
    await login(client, member)
    assert "unread-marker" not in (await client.get(thread.url)).text  # first visit: no line
    await make_reply(thread, await make_user(), "Update the firmware")
    await make_reply(thread, await make_user(), "Worked for me")
    page = (await client.get(thread.url)).text
    marker = page.index('class="unread-marker"')
    assert page.index('id="p2"') < marker < page.index('id="p3"')
    assert page.count("unread-marker") == 1
    assert "unread-marker" not in (await client.get(thread.url)).text  # read now


async def test_unread_posts_on_a_later_page_are_one_link_away(client, member, other_member):
    thread = await make_thread(other_member, title="Long discussion")
    for n in range(10):
        await make_reply(thread, other_member, f"Early point {n}")
    await login(client, member)
    await client.get(thread.url)
    for n in range(15):
        await make_reply(thread, await make_user(), f"Later point {n}")
    page = (await client.get(thread.url)).text  # page 1 again: 11..20 are new
    assert "unread-marker" in page
    await ThreadWatch.filter(user_id=member.id, thread_id=thread.id).update(last_read=20)
    page = (await client.get(thread.url)).text
    assert "unread-marker" not in page
    assert f'href="{thread.url}?page=2#p21"' in page
    assert "6 posts since you last read" in page


# --- Lists: the marks on each row


async def test_lists_mark_new_threads_and_lead_to_the_first_unread_post(
    client, member, other_member
):
    read = await make_thread(other_member, title="Read before")
    await make_thread(other_member, title="Brand new")
    old = await make_thread(other_member, title="Old news")
    await _started(old, timedelta(days=3))
    await _last_visit(member, timedelta(days=1))
    await login(client, member)
    await client.get(read.url)
    await make_reply(read, other_member, "More on this")
    await make_reply(read, other_member, "And more")
    page = (await client.get("/")).text
    assert f'href="{read.url}#p2">Read before</a>' in page
    assert f'href="{read.url}#p2">2 unread</a>' in page
    row = page[page.index(">Brand new<") : page.index(">Brand new<") + 400]
    assert 'class="tag new">New<' in row
    old_row = page[page.index(">Old news<") : page.index(">Old news<") + 400]
    assert "tag new" not in old_row


async def test_a_list_costs_one_query_for_its_marks_whatever_its_length(
    client, member, other_member
):
    await login(client, member)
    for n in range(2):
        await client.get((await make_thread(other_member, title=f"Few {n}")).url)
    await client.get("/")
    await pagecache.bump()  # measured as after a write: nothing shared from before
    with count_queries() as few:
        await client.get("/")
    for n in range(12):
        thread = await make_thread(await make_user(), title=f"Many {n}")
        if n % 2:
            await client.get(thread.url)
            await make_reply(thread, other_member, f"A reply since {n}")
    with count_queries() as many:
        await client.get("/")
    assert len(few) == len(many)


# --- New


async def test_new_lists_threads_started_since_the_last_visit_not_yet_opened(
    client, member, other_member, moderator
):
    muted = await make_category()
    await service.set_category_level(member, muted.id, MUTED)
    await _last_visit(member, timedelta(hours=5))
    before = await make_thread(other_member, title="Started before the visit")
    await _started(before, timedelta(hours=6))
    opened = await make_thread(other_member, title="Opened already")
    await make_thread(member, title="My own thread")
    await make_thread(other_member, category=muted, title="In a muted category")
    gone = await make_thread(other_member, title="Deleted since")
    await moderation.delete_post(await threads.get_post((await gone.posts.all())[0].id),
                                 moderator, "spam")  # fmt: skip
    fresh = await make_thread(other_member, title="Fresh thread")
    fresher = await make_thread(await make_user(), title="Fresher thread")
    await login(client, member)
    await client.get(opened.url)
    page = (await client.get("/new")).text
    assert _titles(page) == ["Fresher thread", "Fresh thread"]
    assert 'aria-current="page">New <span class="count-badge">2</span>' in page
    await client.get(fresh.url)
    assert _titles((await client.get("/new")).text) == [fresher.title]


async def test_a_first_visit_counts_the_last_two_days_as_new(client, member, other_member):
    yesterday = await make_thread(other_member, title="From yesterday")
    await _started(yesterday, timedelta(days=1))
    older = await make_thread(other_member, title="From last week")
    await _started(older, timedelta(days=5))
    await login(client, member)
    assert (await User.get(id=member.id)).previous_seen_at is None
    assert _titles((await client.get("/new")).text) == ["From yesterday"]


async def test_a_long_absence_shows_at_most_two_weeks_as_new(client, member, other_member):
    await _last_visit(member, timedelta(days=90))
    recent = await make_thread(other_member, title="Ten days ago")
    await _started(recent, timedelta(days=10))
    ancient = await make_thread(other_member, title="Two months ago")
    await _started(ancient, timedelta(days=60))
    await login(client, member)
    assert _titles((await client.get("/new")).text) == ["Ten days ago"]


async def test_dismissing_new_threads_clears_the_list(client, member, other_member):
    await make_thread(other_member, title="Something new")
    await login(client, member)
    page = (await client.get("/new")).text
    assert "Dismiss all new threads" in page
    response = await submit(client, "/new/dismiss")
    assert response.status_code == 303 and response.headers["location"] == "/new"
    page = (await client.get("/new")).text
    assert _titles(page) == [] and "Nothing new since your last visit." in page
    later = await make_thread(other_member, title="Started after dismissing")
    assert _titles((await client.get("/new")).text) == [later.title]


# --- Unread


async def test_unread_lists_threads_read_before_with_posts_since(client, member, other_member):
    levels = {}
    await login(client, member)
    for name in ("Tracked", "Normal", "Untouched", "Muted", "Caught up"):
        thread = await make_thread(other_member, title=f"{name} thread")
        await client.get(thread.url)
        levels[name] = thread
    await service.set_thread_level(member, levels["Tracked"], 2)
    await service.set_thread_level(member, levels["Normal"], NORMAL)
    await service.set_thread_level(member, levels["Muted"], MUTED)
    category = await make_category()
    hushed = await make_thread(other_member, category=category, title="Hushed thread")
    await client.get(hushed.url)
    await service.set_category_level(member, category.id, MUTED)
    never = await make_thread(other_member, title="Never opened")
    for name in ("Normal", "Muted", "Untouched", "Tracked"):  # the last reply is the newest
        await make_reply(levels[name], await make_user(), f"News in {name}")
    await make_reply(hushed, other_member, "Nobody reads this")
    await make_reply(never, other_member, "Nor this")
    page = (await client.get("/unread")).text
    assert _titles(page) == ["Tracked thread", "Untouched thread", "Normal thread"]
    assert f'href="{levels["Untouched"].url}#p2">1 unread</a>' in page
    assert 'aria-current="page">Unread <span class="count-badge">3</span>' in page


async def test_marking_all_unread_as_read(client, member, other_member):
    await login(client, member)
    thread = await make_thread(other_member, title="Busy thread")
    await client.get(thread.url)
    for n in range(3):
        await make_reply(thread, other_member, f"Reply {n}")
    assert _titles((await client.get("/unread")).text) == ["Busy thread"]
    response = await submit(client, "/unread/dismiss")
    assert response.status_code == 303
    page = (await client.get("/unread")).text
    assert _titles(page) == [] and "You are all caught up" in page
    row = await ThreadWatch.get(user_id=member.id, thread_id=thread.id)
    assert row.last_read == 4
    # Only the member's own read positions move.
    assert await ThreadWatch.filter(user_id=other_member.id, last_read__lt=4).count() == 0


async def test_another_members_reading_changes_nothing_for_me(client, member, other_member):
    thread = await make_thread(other_member, title="Shared thread")
    await login(client, member)
    await client.get(thread.url)
    await make_reply(thread, other_member, "Something new")
    carla = await make_user("carla")
    await login(client, carla)
    await client.get(thread.url)
    await submit(client, "/unread/dismiss")
    await login(client, member)
    assert _titles((await client.get("/unread")).text) == ["Shared thread"]


@pytest.mark.parametrize("kind", ["new", "unread"])
async def test_the_lists_page_by_keyset(client, member, other_member, monkeypatch, kind):
    monkeypatch.setattr(unread, "PAGE_SIZE", 2)
    await login(client, member)
    for n in range(5):
        thread = await make_thread(other_member, title=f"Thread number {n}")
        if kind == "unread":
            await client.get(thread.url)
            await make_reply(thread, await make_user(), f"Reply to {n}")
    seen: list[str] = []
    url = f"/{kind}"
    while url:
        page = (await client.get(url)).text
        seen += _titles(page)
        found = re.search(rf'href="(/{kind}\?after=[^"]+)" rel="next"', page)
        url = found.group(1) if found else ""
    assert seen == [f"Thread number {n}" for n in reversed(range(5))]


async def test_the_tabs_count_up_to_a_limit(client, member, other_member, monkeypatch):
    monkeypatch.setattr(unread, "COUNT_UP_TO", 2)
    for n in range(4):
        await make_thread(other_member, title=f"New thread {n}")
    await login(client, member)
    page = (await client.get("/unread")).text
    assert '>New <span class="count-badge">2+</span>' in page
    assert await unread.counts(member) == {"new": 3, "unread": 0}


async def test_the_lists_are_for_members(client):
    assert (await client.get("/new")).headers["location"] == "/login?next=/new"
    assert (await client.get("/unread")).status_code == 303


@pytest.mark.parametrize("kind", ["new", "unread"])
async def test_a_list_costs_the_same_queries_for_2_or_12_threads(
    client, member, other_member, kind
):
    await login(client, member)

    async def add(count: int) -> None:
        for n in range(count):
            thread = await make_thread(await make_user(), category=await general(),
                                       title=f"Thread {kind} {n} of {count}")  # fmt: skip
            if kind == "unread":
                await client.get(thread.url)
                await make_reply(thread, other_member, f"News {n} of {count}")

    await add(2)
    await client.get(f"/{kind}")
    await pagecache.bump()  # measured as after a write: nothing shared from before
    with count_queries() as few:
        assert len(_titles((await client.get(f"/{kind}")).text)) == 2
    await add(10)
    with count_queries() as many:
        assert len(_titles((await client.get(f"/{kind}")).text)) == 12
    # The content version, the session, the page of ids, their threads, the marks, the tabs
    # and the header counts.
    assert len(few) == len(many) <= 7
