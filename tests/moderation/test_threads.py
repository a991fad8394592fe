"""Staff actions on whole threads: lock, pin, move, rename, merge, split."""

import pytest

from forum.forms import Invalid
from forum.moderation import service
from forum.moderation.models import AuditEntry
from forum.threads import service as threads
from forum.threads.models import Category, Post, Thread
from tests.conftest import (
    csrf_token,
    general,
    login,
    make_category,
    make_reply,
    make_thread,
    submit,
)


async def _thread_with_replies(author, replier, count, **fields):
    thread = await make_thread(author, **fields)
    for number in range(count):
        await make_reply(thread, replier, f"Reply {number + 2}")
    return await threads.get_thread(thread.id)


async def test_locking_with_a_reason_shows_a_notice_and_is_audited(client, member, moderator):
    thread = await make_thread(member)
    await service.lock_thread(thread, moderator, "Answered many times")
    page = await client.get(thread.url)
    assert "Locked by a moderator" in page.text and "Answered many times" in page.text
    assert await AuditEntry.filter(action="lock_thread", target_id=thread.id).exists()


async def test_a_globally_pinned_thread_leads_the_latest_page(client, member, moderator):
    pinned = await make_thread(member, title="Read this first please")
    await make_thread(member, title="Newer chatter thread")
    await service.pin_thread(await threads.get_thread(pinned.id), moderator, globally=True)
    page = (await client.get("/")).text
    assert page.index("Read this first please") < page.index("Newer chatter thread")


async def test_moving_a_thread_moves_its_counts(member, other_member, moderator):
    thread = await _thread_with_replies(member, other_member, 2)
    target = await make_category(name="Elsewhere")
    await service.move_thread(thread, moderator, str(target.id))
    assert ((await general()).thread_count, (await general()).post_count) == (0, 0)
    moved = await Category.get(id=target.id)
    assert (moved.thread_count, moved.post_count) == (1, 3)
    with pytest.raises(Invalid):
        await service.move_thread(thread, moderator, "nowhere")


async def test_renaming_keeps_old_links_working(client, member, moderator):
    thread = await make_thread(member, title="Battery dies fast")
    old_url = thread.url
    await service.rename_thread(thread, moderator, "Battery drains overnight on 2.1")
    response = await client.get(old_url)
    assert response.status_code == 301
    assert response.headers["location"].endswith("/battery-drains-overnight-on-2-1")
    assert (
        "it was called “Battery dies fast”" in (await client.get(response.headers["location"])).text
    )


async def test_merging_appends_posts_after_the_target_and_redirects_old_links(
    client, member, other_member, moderator
):
    target = await _thread_with_replies(member, other_member, 2, title="Main battery thread")
    source = await _thread_with_replies(other_member, member, 1, title="Duplicate battery q")
    merged = await service.merge_thread(source, moderator, f"http://127.0.0.1:8000{target.url}")
    assert merged.id == target.id
    numbers = (
        await Post.filter(thread_id=target.id).order_by("number").values_list("number", flat=True)
    )
    assert numbers == [1, 2, 3, 4, 5]
    stored = await Thread.get(id=target.id)
    assert (stored.post_count, stored.reply_count) == (5, 4)
    assert (await general()).thread_count == 1 and (await general()).post_count == 5
    response = await client.get(source.url)
    assert response.status_code == 301 and response.headers["location"] == f"/t/{target.id}"


async def test_merging_needs_an_existing_other_thread(member, moderator):
    thread = await make_thread(member)
    for ref in ("", "abc", "999", thread.url):
        with pytest.raises(Invalid) as caught:
            await service.merge_thread(thread, moderator, ref)
        assert "target" in caught.value.errors


async def test_splitting_moves_replies_and_closes_the_gaps(member, other_member, moderator):
    thread = await _thread_with_replies(member, other_member, 5)
    new = await service.split_thread(
        thread,
        moderator,
        numbers=[3, 5],
        title="A separate question",
        category_id=str((await general()).id),
    )
    moved = await Post.filter(thread_id=new.id).order_by("number").values_list("number", "body")
    assert moved == [(1, "Reply 3"), (2, "Reply 5")]
    left = await Post.filter(thread_id=thread.id).order_by("number").values_list("number", "body")
    assert [number for number, _ in left] == [1, 2, 3, 4]
    assert [body for _, body in left][1:] == ["Reply 2", "Reply 4", "Reply 6"]
    original, split = await Thread.get(id=thread.id), await Thread.get(id=new.id)
    assert (original.post_count, original.reply_count) == (4, 3)
    assert (split.post_count, split.reply_count) == (2, 1)
    assert (await general()).thread_count == 2 and (await general()).post_count == 6


async def test_split_needs_replies_and_a_title(member, other_member, moderator):
    thread = await _thread_with_replies(member, other_member, 2)
    with pytest.raises(Invalid) as caught:
        await service.split_thread(thread, moderator, numbers=[1], title="", category_id="1")
    assert {"posts", "title"} <= set(caught.value.errors)


async def test_the_thread_tools_page_does_each_action(client, member, other_member, moderator):
    thread = await _thread_with_replies(member, other_member, 3)
    await login(client, moderator)
    tools = await client.get(f"/mod/threads/{thread.id}")
    assert tools.status_code == 200 and "Split replies into a new thread" in tools.text
    bad = await submit(client, f"/mod/threads/{thread.id}/rename", {"title": "x"})
    assert bad.status_code == 400 and 'id="title-error"' in bad.text
    response = await client.post(
        f"/mod/threads/{thread.id}/split",
        data={"number": ["3", "4"], "new_title": "Split off here", "new_category": "1",
              "csrf_token": csrf_token(client)},
    )  # fmt: skip
    assert response.status_code == 303
    new_page = await client.get(response.headers["location"])
    assert "Split off here" in new_page.text and "Reply 3" in new_page.text
