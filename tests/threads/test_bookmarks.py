"""Bookmarks: saving a post (with a note), taking it back, the member's own list."""

import re

from forum import pagecache
from forum.moderation import service as moderation
from forum.site import models as site
from forum.threads import bookmarks
from forum.threads import service as threads
from forum.threads.models import Bookmark
from tests.conftest import count_queries, login, make_reply, make_thread, make_user, submit


def _saved_titles(html: str) -> list[str]:
    return re.findall(r'<li class="bookmark" id="b\d+">\s*<div class="bookmark-main">\s*'
                      r'<a class="thread-title" href="[^"]*">([^<]+)</a>', html)  # fmt: skip


async def test_a_member_bookmarks_a_post_and_takes_it_back(client, member, other_member):
    thread = await make_thread(other_member, title="Pairing the headset")
    reply = await make_reply(thread, other_member, "Hold both buttons for five seconds")
    await login(client, member)
    page = (await client.get(thread.url)).text
    assert f'action="/p/{reply.id}/bookmark"' in page
    response = await submit(client, f"/p/{reply.id}/bookmark")
    assert response.status_code == 303
    assert response.headers["location"] == f"{thread.url}#p2"
    page = (await client.get(thread.url)).text
    assert f'action="/p/{reply.id}/unbookmark"' in page and "Bookmarked" in page
    listed = (await client.get("/bookmarks")).text
    assert _saved_titles(listed) == ["Pairing the headset"]
    assert "Hold both buttons for five seconds" in listed
    response = await submit(client, f"/p/{reply.id}/unbookmark", {"next": f"{thread.url}#p2"})
    assert response.headers["location"] == f"{thread.url}#p2"
    assert not await Bookmark.filter(user_id=member.id).exists()
    assert "Bookmarked" not in (await client.get(thread.url)).text


async def test_bookmarking_twice_keeps_one_bookmark(client, member, other_member):
    thread = await make_thread(other_member)
    await login(client, member)
    post = (await thread.posts.all())[0]
    await submit(client, f"/p/{post.id}/bookmark")
    await submit(client, f"/p/{post.id}/bookmark")
    assert await Bookmark.filter(user_id=member.id).count() == 1


async def test_a_bookmark_keeps_a_note_and_a_bad_one_is_shown_again(client, member, other_member):
    thread = await make_thread(other_member, title="Firmware update")
    post = (await thread.posts.all())[0]
    await login(client, member)
    form = await client.get(f"/p/{post.id}/bookmark?next=/bookmarks")
    assert form.status_code == 200 and 'name="note"' in form.text
    too_long = "x" * 201
    refused = await submit(client, f"/p/{post.id}/bookmark", {"note": too_long, "next": ""})
    assert refused.status_code == 400
    assert 'id="note-error"' in refused.text and f'value="{too_long}"' in refused.text
    assert not await Bookmark.filter(user_id=member.id).exists()
    response = await submit(
        client, f"/p/{post.id}/bookmark", {"note": "Try this   next week", "next": "/bookmarks"}
    )
    assert response.headers["location"] == "/bookmarks"
    listed = (await client.get("/bookmarks")).text
    assert "Try this next week" in listed and "Edit note" in listed
    # The form shows the saved note, to change it.
    assert 'value="Try this next week"' in (await client.get(f"/p/{post.id}/bookmark")).text


async def test_the_list_shows_newest_first_and_pages_by_keyset(
    client, member, other_member, monkeypatch
):
    monkeypatch.setattr(bookmarks, "PAGE_SIZE", 2)
    await login(client, member)
    for n in range(5):
        thread = await make_thread(other_member, title=f"Saved thread {n}")
        await submit(client, f"/p/{(await thread.posts.all())[0].id}/bookmark")
    seen: list[str] = []
    url = "/bookmarks"
    while url:
        page = (await client.get(url)).text
        seen += _saved_titles(page)
        found = re.search(r'href="(/bookmarks\?after=[^"]+)" rel="next"', page)
        url = found.group(1) if found else ""
    assert seen == [f"Saved thread {n}" for n in reversed(range(5))]


async def test_another_member_neither_sees_nor_removes_my_bookmarks(client, member, other_member):
    thread = await make_thread(other_member, title="My secret find")
    post = (await thread.posts.all())[0]
    await bookmarks.bookmark(member, post, "private note")
    carla = await make_user("carla")
    await login(client, carla)
    page = (await client.get("/bookmarks")).text
    assert "My secret find" not in page and "private note" not in page
    assert "Bookmarked" not in (await client.get(thread.url)).text
    await submit(client, f"/p/{post.id}/unbookmark")
    assert await Bookmark.filter(user_id=member.id).count() == 1


async def test_a_deleted_or_hidden_post_is_no_longer_shown(client, member, other_member, moderator):
    thread = await make_thread(other_member, title="Tips and tricks")
    hidden = await make_reply(thread, other_member, "A tip that gets hidden")
    deleted = await make_reply(thread, other_member, "A tip that gets deleted")
    for post in (hidden, deleted):
        await bookmarks.bookmark(member, post, "")
    await moderation.hide_post(await threads.get_post(hidden.id), moderator, "Off topic")
    await moderation.delete_post(await threads.get_post(deleted.id), moderator, "Spam")
    await login(client, member)
    page = (await client.get("/bookmarks")).text
    assert page.count("This post is no longer available.") == 2
    assert "A tip that gets" not in page
    # It can still be taken off the list.
    await submit(client, f"/p/{deleted.id}/unbookmark", {"next": "/bookmarks"})
    assert page.count("no longer available") - 1 == (
        (await client.get("/bookmarks")).text.count("no longer available")
    )


async def test_a_held_post_cannot_be_bookmarked_by_others(
    client, member, other_member, monkeypatch
):
    thread = await make_thread(other_member)
    monkeypatch.setitem(site.DEFAULTS, "hold_first_posts", "1")
    site.forget()
    newcomer = await make_user("newbie")
    held = await make_reply(thread, newcomer, "Waiting for a moderator")
    await login(client, member)
    assert (await submit(client, f"/p/{held.id}/bookmark")).status_code == 404
    await login(client, newcomer)
    assert (await submit(client, f"/p/{held.id}/bookmark")).status_code == 303


async def test_guests_see_no_bookmark_button(client, member):
    thread = await make_thread(member)
    assert "/bookmark" not in (await client.get(thread.url)).text
    response = await client.get("/bookmarks")
    assert response.headers["location"] == "/login?next=/bookmarks"


async def test_the_list_costs_the_same_queries_for_1_or_10_bookmarks(client, member):
    await login(client, member)

    async def save(count: int) -> None:
        for n in range(count):
            author = await make_user()
            thread = await make_thread(author, title=f"Thread {n} of {count}")
            await bookmarks.bookmark(member, await make_reply(thread, author, f"Tip {n}/{count}"))

    await save(1)
    await client.get("/bookmarks")
    await pagecache.bump()  # measured as after a write: nothing shared from before
    with count_queries() as few:
        await client.get("/bookmarks")
    await save(9)
    with count_queries() as many:
        assert len(_saved_titles((await client.get("/bookmarks")).text)) == 10
    # The content version, the session, the bookmarks with their posts, authors and threads,
    # the header count.
    assert len(few) == len(many) <= 4


async def test_the_thread_page_reads_likes_and_bookmarks_together(client, member, other_member):
    thread = await make_thread(other_member)
    replies = [await make_reply(thread, other_member, f"Reply {n}") for n in range(3)]
    await threads.like(await threads.get_post(replies[0].id), member)
    await bookmarks.bookmark(member, replies[1])
    await login(client, member)
    await client.get(thread.url)
    with count_queries() as statements:
        page = (await client.get(thread.url)).text
    assert len([sql for sql in statements if "bookmark" in sql]) == 1
    assert page.count('aria-pressed="true"') == 2  # the like and the bookmark
