"""A new member's first posts wait for a moderator before anyone else sees them."""

import pytest

from forum.moderation import service
from forum.moderation.models import AuditEntry
from forum.site import models as site
from forum.threads import service as threads
from forum.threads.models import Category, Post, Thread
from tests.conftest import general, login, make_reply, make_thread, make_user, submit


@pytest.fixture
async def holding(database):
    await site.set_value("hold_first_posts", "1")


async def test_a_new_members_first_thread_waits_unseen_and_uncounted(holding, member):
    thread = await make_thread(member, title="My very first question")
    stored = await Thread.get(id=thread.id)
    assert stored.held and (await Post.get(thread_id=thread.id)).held
    assert (await general()).thread_count == 0
    assert [t.id for t in (await threads.latest_threads()).threads] == []


async def test_approval_counts_the_thread_and_later_posts_go_straight_in(
    holding, member, moderator
):
    thread = await make_thread(member)
    first = await threads.get_post((await Post.get(thread_id=thread.id)).id)
    await service.approve_post(first, moderator)
    assert not (await Thread.get(id=thread.id)).held
    assert (await general()).thread_count == 1
    reply = await make_reply(await threads.get_thread(thread.id), member, "Second post")
    assert not reply.held
    assert await AuditEntry.filter(action="approve_post").count() == 1


async def test_a_held_reply_keeps_its_number_and_moves_nothing_until_approved(
    holding, moderator, member
):
    thread = await make_thread(moderator)
    before = await Thread.get(id=thread.id)
    reply = await make_reply(thread, member, "Me too")
    waiting = await Thread.get(id=thread.id)
    assert reply.held and reply.number == 2
    assert (waiting.reply_count, waiting.last_posted_at) == (0, before.last_posted_at)
    await service.approve_post(await threads.get_post(reply.id), moderator)
    approved = await Thread.get(id=thread.id)
    assert (approved.reply_count, approved.last_poster_id) == (1, member.id)
    assert (await Category.get(id=thread.category_id)).post_count == 2


async def test_rejecting_a_held_post_deletes_it_without_touching_counts(holding, moderator, member):
    thread = await make_thread(moderator)
    reply = await make_reply(thread, member, "Spammy")
    await service.reject_post(await threads.get_post(reply.id), moderator)
    assert (await Post.get(id=reply.id)).deleted_at is not None
    assert (await Thread.get(id=thread.id)).reply_count == 0
    assert (await general()).post_count == 1


async def test_staff_are_never_held(holding, moderator):
    thread = await make_thread(moderator)
    assert not (await Thread.get(id=thread.id)).held


async def test_held_posts_wait_in_the_queue_beside_flagged_ones(holding, member, moderator):
    thread = await make_thread(moderator)
    reply = await make_reply(thread, member, "Held reply")
    items = await service.queue(kind="held")
    assert [item.post.id for item in items] == [reply.id] and items[0].flags == []
    assert await service.queue(kind="flagged") == []
    assert await service.queue_count() == 1


async def test_the_author_sees_awaiting_approval_and_others_see_nothing(
    client, holding, member, other_member, moderator
):
    thread = await make_thread(member, title="Waiting thread here")
    await login(client, member)
    page = await client.get(thread.url)
    assert page.status_code == 200 and "awaiting approval" in page.text
    await login(client, other_member)
    assert (await client.get(thread.url)).status_code == 404
    await login(client, moderator)
    queue = await client.get("/mod/queue?type=held")
    assert "Waiting thread here" in queue.text
    first = await Post.get(thread_id=thread.id)
    response = await submit(client, f"/mod/queue/decide?only={first.id}", {"action": "approve"})
    assert response.status_code == 303
    await login(client, other_member)
    assert (await client.get(thread.url)).status_code == 200


async def test_a_held_reply_is_invisible_to_other_readers(client, holding, moderator, member):
    thread = await make_thread(moderator)
    await make_reply(thread, member, "Invisible words")
    assert "Invisible words" not in (await client.get(thread.url)).text
    await login(client, member)
    assert "Invisible words" in (await client.get(thread.url)).text


async def test_holding_can_be_turned_off_by_the_manager(client, holding, manager):
    newcomer = await make_user()
    await login(client, manager)
    await submit(
        client, "/admin/settings",
        {"name": "Community", "language": "en", "timezone": "UTC", "hold_first_posts": "0",
         "trust_posts": "0", "trust_days": "0", "flags_to_hide": "3"},
    )  # fmt: skip
    thread = await make_thread(newcomer)
    assert not (await Thread.get(id=thread.id)).held
