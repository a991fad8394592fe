"""Thread rules, tested without HTTP."""

import asyncio

import pytest
from tortoise.transactions import in_transaction

from forum import events
from forum.forms import Invalid
from forum.threads import service
from forum.threads.models import Category, Like, Post, PostRevision, Thread
from tests.conftest import general, make_category, make_reply, make_thread, make_user


async def test_starting_a_thread_writes_post_one_and_counts_it(member):
    thread = await make_thread(member, title="Çözüm önerisi lazım", body="Merhaba @ana")
    first = await Post.get(thread_id=thread.id)
    category = await general()
    assert (first.number, thread.post_count, thread.reply_count) == (1, 1, 0)
    assert thread.slug == "cozum-onerisi-lazim"
    assert (category.thread_count, category.post_count) == (1, 1)
    assert 'href="/u/ana"' in first.html
    assert await events.Event.filter(kind="ThreadCreated").count() == 1


async def test_a_thread_needs_a_title_a_body_and_a_category_the_member_may_use(member):
    staff_only = await make_category(start_role="staff")
    with pytest.raises(Invalid) as caught:
        await service.start_thread(member, category_id=str(staff_only.id), title="Hi", body="")
    assert set(caught.value.errors) == {"category", "title", "body"}
    with pytest.raises(Invalid) as caught:
        await service.start_thread(member, category_id="nope", title="x" * 151, body="ok ok")
    assert set(caught.value.errors) == {"category", "title"}


async def test_replies_are_numbered_in_order_even_when_written_at_once(member, other_member):
    thread = await make_thread(member)
    await asyncio.gather(*(make_reply(thread, other_member, f"reply {n}") for n in range(8)))
    numbers = (
        await Post.filter(thread_id=thread.id).order_by("number").values_list("number", flat=True)
    )
    assert numbers == list(range(1, 10))
    stored = await Thread.get(id=thread.id)
    assert (stored.post_count, stored.reply_count, stored.last_poster_id) == (9, 8, other_member.id)


async def test_posting_too_fast_is_refused_with_a_message_for_the_body(member, monkeypatch):
    monkeypatch.setattr(service, "POSTS_PER_MINUTE", 2)
    thread = await make_thread(member)
    await make_reply(thread, member, "second post")
    with pytest.raises(Invalid) as caught:
        await make_reply(thread, member, "third post")
    assert "very fast" in caught.value.errors["body"]


async def test_posts_at_once_past_the_limit_are_refused_and_leave_no_gap(
    member, other_member, monkeypatch
):
    """The post is counted in its own transaction: of five sent at once with room for two,
    two are written, three refused, and the thread's numbering has no hole."""
    monkeypatch.setattr(service, "POSTS_PER_MINUTE", 2)
    thread = await make_thread(member)
    results = await asyncio.gather(
        *(make_reply(thread, other_member, f"post {n}") for n in range(5)), return_exceptions=True
    )
    refused = [r for r in results if isinstance(r, Invalid)]
    assert len(refused) == 3 and all("very fast" in r.errors["body"] for r in refused)
    numbers = (
        await Post.filter(thread_id=thread.id).order_by("number").values_list("number", flat=True)
    )
    assert numbers == [1, 2, 3]
    assert (await Thread.get(id=thread.id)).post_count == 3


async def test_editing_keeps_the_previous_text_as_a_revision(member):
    thread = await make_thread(member, title="Original title", body="First text")
    post = await service.get_post((await Post.get(thread_id=thread.id)).id)
    await service.edit_post(post, member, body="Second text", title="Better title")
    revisions = await PostRevision.filter(post_id=post.id)
    stored = await Thread.get(id=thread.id)
    assert [(r.title, r.body) for r in revisions] == [("Original title", "First text")]
    assert (stored.title, stored.slug) == ("Better title", "better-title")
    assert (await Post.get(id=post.id)).edit_count == 1


async def test_an_edit_that_changes_nothing_makes_no_revision(member):
    thread = await make_thread(member, body="Same")
    post = await service.get_post((await Post.get(thread_id=thread.id)).id)
    await service.edit_post(post, member, body="Same", title=thread.title)
    assert not await PostRevision.exists()


async def test_deleting_a_reply_is_soft_and_updates_the_counts(member, other_member):
    thread = await make_thread(member)
    reply = await make_reply(thread, other_member)
    await service.delete_post(await service.get_post(reply.id), other_member)
    stored = await Post.get(id=reply.id)
    assert stored.deleted_at is not None and stored.body  # kept for staff
    assert (await Thread.get(id=thread.id)).reply_count == 0
    assert (await general()).post_count == 1


async def test_deleting_the_opening_post_deletes_the_thread(member):
    thread = await make_thread(member)
    first = await service.get_post((await Post.get(thread_id=thread.id, number=1)).id)
    await service.delete_post(first, member)
    assert await service.get_thread(thread.id) is None
    assert (await general()).thread_count == 0


async def test_threads_read_by_id_are_each_their_own_and_current_inside_a_write(
    member, other_member
):
    """get_thread's SQL is built once per process (db.first_by) and run with each id."""
    first = await make_thread(member, title="First of two")
    second = await make_thread(other_member, title="Second of two")
    found = [await service.get_thread(thread.id) for thread in (first, second, first)]
    assert [(t.title, t.author.username, t.category.slug) for t in found] == [
        ("First of two", member.username, "general"),
        ("Second of two", other_member.username, "general"),
        ("First of two", member.username, "general"),
    ]
    assert await service.get_thread(second.id + 1000) is None
    async with in_transaction():
        await Thread.filter(id=second.id).update(title="Renamed in a write")
        assert (await service.get_thread(second.id)).title == "Renamed in a write"


async def test_a_member_likes_a_post_once_and_can_take_it_back(member, other_member):
    thread = await make_thread(member)
    post = await service.get_post((await Post.get(thread_id=thread.id)).id)
    assert await service.like(post, other_member)
    assert not await service.like(post, other_member)
    assert (await Post.get(id=post.id)).like_count == 1
    assert await service.unlike(post, other_member)
    assert not await service.unlike(post, other_member)
    assert (await Post.get(id=post.id)).like_count == 0
    assert not await Like.exists()


async def test_marking_a_solution_records_it_and_a_new_choice_replaces_it(member, other_member):
    support = await make_category(kind="support")
    thread = await make_thread(member, category=support)
    first_answer = await service.get_post((await make_reply(thread, other_member)).id)
    second_answer = await service.get_post((await make_reply(thread, other_member, "Or this")).id)
    await service.mark_solution(first_answer, member)
    thread = await service.get_thread(thread.id)
    second_answer.thread = thread
    await service.mark_solution(second_answer, member)
    stored = await Thread.get(id=thread.id)
    assert (stored.solution_post_id, stored.solution_number) == (second_answer.id, 3)
    kinds = (
        await events.Event.filter(kind__startswith="Solution")
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds == ["SolutionAccepted", "SolutionWithdrawn", "SolutionAccepted"]


async def test_the_opening_post_cannot_be_the_solution(member):
    thread = await make_thread(member, category=await make_category(kind="support"))
    with pytest.raises(Invalid):
        await service.mark_solution(
            await service.get_post((await Post.get(thread_id=thread.id)).id), member
        )


async def test_latest_pages_by_keyset_without_gaps_or_repeats(member):
    for number in range(7):
        await make_thread(member, title=f"Thread number {number}")
    seen, cursor = [], None
    while True:
        listing = await service.latest_threads(cursor=cursor, limit=3)
        seen += [thread.title for thread in listing.threads]
        if not listing.next_cursor:
            break
        cursor = listing.next_cursor
    assert seen == [f"Thread number {n}" for n in reversed(range(7))]


async def test_archived_categories_leave_the_latest_list(member):
    category = await make_category()
    await make_thread(member, category=category, title="In a soon archived place")
    await service.set_archived(category, True)
    titles = [t.title for t in (await service.latest_threads()).threads]
    assert "In a soon archived place" not in titles


async def test_categories_are_reordered_by_moving_one_up(database):
    second = await make_category(name="Second")
    await service.move_category(second, -1)
    assert [c.name for c in await service.categories()] == ["Second", "General"]


async def test_category_slugs_are_unique_and_readable(database):
    made = await service.create_category({"name": "Как настроить", "kind": "support"})
    assert made.slug == "kak-nastroit"
    with pytest.raises(Invalid) as caught:
        await service.create_category({"name": "Other", "slug": "kak-nastroit"})
    assert "slug" in caught.value.errors


async def test_view_counts_are_written_in_one_batch(member):
    thread = await make_thread(member)
    for _ in range(5):
        service.count_view(thread.id)
    assert (await Thread.get(id=thread.id)).view_count == 0
    await service.flush_views()
    assert (await Thread.get(id=thread.id)).view_count == 5


async def test_new_database_has_one_open_discussion_category(database):
    assert [(c.name, c.kind, c.archived) for c in await Category.all()] == [
        ("General", "discussion", False)
    ]
    await make_user()
