"""Guests' pages come from a cache that every write empties, on every worker, at once."""

from __future__ import annotations

import gzip

import httpx
import pytest

from forum import db, pagecache
from forum.threads import service as threads
from forum.threads.models import Thread
from tests.conftest import count_queries, login, make_reply, make_thread, submit


@pytest.fixture
async def member_client(app):
    """A second browser, signed in, on the same server."""
    transport = httpx.ASGITransport(app=app, client=("198.51.100.4", 40001))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def test_a_guest_page_read_again_costs_one_query_and_revalidates_with_a_304(client, member):
    thread = await make_thread(member, title="Cached thread")
    first = await client.get(thread.url)
    with count_queries() as statements:
        again = await client.get(thread.url)
    assert again.text == first.text and "Cached thread" in again.text
    assert len(statements) == 1 and "content_version" in statements[0]
    etag = again.headers["etag"]
    unchanged = await client.get(thread.url, headers={"if-none-match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b""


async def test_a_reply_posted_in_the_browser_shows_to_guests_at_once(
    client, member_client, member, other_member
):
    thread = await make_thread(member, title="Busy thread")
    before = await client.get(thread.url)
    assert "Fresh words from a member" not in before.text
    await login(member_client, other_member)
    posted = await submit(
        member_client, f"/t/{thread.id}/reply", {"body": "Fresh words from a member"}
    )
    assert posted.status_code == 303
    after = await client.get(thread.url, headers={"if-none-match": before.headers["etag"]})
    assert after.status_code == 200 and "Fresh words from a member" in after.text
    assert after.headers["etag"] != before.headers["etag"]


async def test_a_reply_moves_the_version_once_and_on_sqlite_in_its_own_write_turn(
    member_client, member, other_member, write_turns
):
    thread = await make_thread(member)
    await login(member_client, other_member)
    write_turns.clear()
    with count_queries() as statements:
        posted = await submit(member_client, f"/t/{thread.id}/reply", {"body": "One turn"})
    assert posted.status_code == 303
    assert len([sql for sql in statements if sql.startswith("UPDATE content_version")]) == 1
    if db.dialect() == "sqlite":
        assert len(write_turns) == 1  # the reply's transaction, which also moved the version


async def test_a_request_that_writes_after_moving_the_version_still_bumps(database):
    """pagecache.writing spares the middleware's bump only when nothing was written after it."""
    sqlite = db.dialect() == "sqlite"
    with pagecache.counting_writes():
        assert pagecache.bump_owed()
        async with pagecache.writing():
            await db.execute("UPDATE content_version SET value = value WHERE id = 1")
        assert pagecache.bump_owed() is not sqlite  # on PostgreSQL the middleware bumps
        await db.execute("UPDATE category SET name = name")
        assert pagecache.bump_owed()
    assert pagecache.bump_owed()  # outside a request: always


async def test_a_write_from_another_process_retires_every_cached_page(client, member):
    thread = await make_thread(member, title="Shared thread")
    await client.get(thread.url)
    # Another server sharing the database renames the thread and bumps the version there.
    await Thread.filter(id=thread.id).update(title="Renamed elsewhere")
    assert "Shared thread" in (await client.get(thread.url)).text  # nothing told us yet
    await db.execute("UPDATE content_version SET value = value + 1 WHERE id = 1")
    assert "Renamed elsewhere" in (await client.get(thread.url)).text


async def test_a_cached_page_expires_by_itself_so_relative_times_move_on(
    client, member, monkeypatch
):
    thread = await make_thread(member, title="Old news")
    first = await client.get(thread.url)
    # Time passed, nothing was written: the page is rendered again (its "3 minutes ago"s move
    # on) from the reads it shares.
    (kept,) = pagecache._pages.values()
    monkeypatch.setattr(pagecache, "MAX_AGE_SECONDS", 0.0)
    again = await client.get(thread.url)
    (renewed,) = pagecache._pages.values()
    assert renewed.stored_at > kept.stored_at and again.text == first.text


async def test_a_member_shares_the_posts_other_readers_loaded_but_sees_their_own_likes(
    client, member_client, member, other_member
):
    thread = await make_thread(member, title="Shared posts")
    reply = await make_reply(thread, other_member, "Worth a like")
    await client.get(thread.url)  # a guest read the thread, its posts and their tiers
    await login(member_client, member)
    await member_client.get(thread.url)  # the member's session is read once per write too
    with count_queries() as statements:
        page = await member_client.get(thread.url)
    # The version, then only what is the member's own: levels and read position, their likes
    # and bookmarks.
    assert len(statements) == 3, "\n".join(statements)
    assert 'action="/p/' + str(reply.id) + '/like"' in page.text
    liked = await submit(member_client, f"/p/{reply.id}/like")
    assert liked.status_code == 303
    page = await member_client.get(thread.url)
    assert 'action="/p/' + str(reply.id) + '/unlike"' in page.text


async def test_signing_out_ends_a_shared_session_at_once(member_client, member):
    await login(member_client, member)
    assert "Log out" in (await member_client.get("/latest")).text
    await submit(member_client, "/logout")
    assert "Log in" in (await member_client.get("/latest")).text


async def test_members_and_guests_with_a_session_never_get_the_shared_copy(
    client, member_client, member, other_member
):
    thread = await make_thread(member, title="Who sees what")
    await client.get(thread.url)
    await login(member_client, other_member)
    with count_queries() as statements:
        page = await member_client.get(thread.url)
    assert 'action="/t/' in page.text and len(statements) > 1  # the reply form: rendered for them
    # A guest who started a session (a form's token) is rendered for too.
    await client.get("/login")
    assert client.cookies.get("forum_session")
    with count_queries() as statements:
        await client.get(thread.url)
    assert len(statements) > 1


async def test_a_cached_thread_page_still_counts_its_view(client, member):
    thread = await make_thread(member)
    for _ in range(3):
        await client.get(thread.url)
    await threads.flush_views()
    assert (await Thread.get(id=thread.id)).view_count == 3


async def test_cached_pages_are_kept_compressed_and_served_plain_to_who_asks(client, member):
    thread = await make_thread(member, title="Squeezed")
    squeezed = await client.get(thread.url, headers={"accept-encoding": "gzip"})
    plain = await client.get(thread.url, headers={"accept-encoding": "identity"})
    assert squeezed.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert squeezed.text == plain.text and "Squeezed" in plain.text
    assert "Accept-Encoding" in plain.headers["vary"]
    (page,) = pagecache._pages.values()
    assert gzip.decompress(page.body).decode() == plain.text


async def test_a_feed_keeps_its_own_validators_when_cached(client, member):
    await make_thread(member, title="In the feed")
    first = await client.get("/feeds/latest.rss")
    again = await client.get("/feeds/latest.rss")
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["last-modified"] == first.headers["last-modified"]
    assert again.headers["content-type"] == first.headers["content-type"]
    since = await client.get(
        "/feeds/latest.rss", headers={"if-modified-since": first.headers["last-modified"]}
    )
    assert since.status_code == 304


async def test_reads_shared_before_a_write_are_freed_when_the_write_is_seen(client, member):
    first = await make_thread(member, title="First")
    second = await make_thread(member, title="Second")
    await client.get(first.url)
    assert ("thread", first.id) in pagecache._shared
    await pagecache.bump()
    await client.get(second.url)
    assert ("thread", first.id) not in pagecache._shared
    assert ("thread", second.id) in pagecache._shared
