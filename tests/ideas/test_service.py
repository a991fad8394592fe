"""Ideas without HTTP: rows made with threads and following moves, votes counted once,
statuses with their history, audit entries and the voters' notifications."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from forum import permissions as can
from forum.forms import Invalid
from forum.ideas import service
from forum.ideas.models import Idea, IdeaStatusChange, IdeaVote
from forum.moderation import service as moderation
from forum.moderation.models import AuditEntry
from forum.notifications import service as notifications
from forum.notifications.models import MUTED, Notification
from forum.threads import service as threads
from forum.threads.models import Category, Post
from tests.conftest import count_queries, general, make_category, make_reply, make_thread, make_user


async def _idea(thread) -> Idea:
    return await Idea.get(id=thread.id)


async def test_a_thread_started_in_an_ideas_category_is_an_idea_and_others_are_not(ideas, member):
    idea_thread = await make_thread(member, ideas, title="Dark mode for the app")
    other = await make_thread(member, title="How do I pair it?")
    idea = await _idea(idea_thread)
    assert (idea.category_id, idea.vote_count, idea.status) == (ideas.id, 0, "")
    assert not await Idea.filter(id=other.id).exists()


async def test_a_member_votes_once_and_can_take_the_vote_back(ideas, member, other_member):
    thread = await make_thread(member, ideas, title="Dark mode for the app")
    assert await service.vote(thread, other_member)
    assert not await service.vote(thread, other_member)
    assert (await _idea(thread)).vote_count == 1
    assert await service.unvote(thread, other_member)
    assert not await service.unvote(thread, other_member)
    assert (await _idea(thread)).vote_count == 0
    assert not await IdeaVote.filter(idea_id=thread.id).exists()


async def test_simultaneous_votes_count_each_member_once(ideas, member):
    thread = await make_thread(member, ideas, title="Dark mode for the app")
    voters = [await make_user() for _ in range(6)]
    # Each member clicks three times at once, all members at the same moment.
    results = await asyncio.gather(*(service.vote(thread, v) for v in voters for _ in range(3)))
    assert sum(results) == 6
    assert (await _idea(thread)).vote_count == 6 == await IdeaVote.filter(idea_id=thread.id).count()
    taken_back = await asyncio.gather(*(service.unvote(thread, voters[0]) for _ in range(3)))
    assert sum(taken_back) == 1
    assert (await _idea(thread)).vote_count == 5


async def test_a_vote_on_a_thread_without_its_idea_row_makes_it(ideas, member, other_member):
    thread = await make_thread(member, ideas, title="Dark mode for the app")
    await Idea.filter(id=thread.id).delete()
    assert await service.vote(thread, other_member)
    idea = await _idea(thread)
    assert (idea.category_id, idea.vote_count) == (ideas.id, 1)


async def test_who_may_vote(ideas, member, other_member, moderator):
    thread = await make_thread(member, ideas, title="Dark mode for the app")
    assert can.vote_idea(other_member, thread) and can.vote_idea(moderator, thread)
    # Guests, the author, silenced and suspended members may not.
    assert not can.vote_idea(can.Guest(), thread)
    assert not can.vote_idea(member, thread)
    later = datetime.now(UTC) + timedelta(days=3)
    silenced = await make_user(silenced_until=later)
    suspended = await make_user(suspended_at=datetime.now(UTC))
    assert not can.vote_idea(silenced, thread) and not can.vote_idea(suspended, thread)
    # A silenced member may still take a vote back, like a like.
    assert can.withdraw_idea_vote(silenced, thread)


async def test_no_votes_on_a_deleted_held_locked_or_decided_idea(ideas, member, other_member):
    thread = await make_thread(member, ideas, title="Dark mode for the app")
    idea = await _idea(thread)
    for status in ("under_review", "planned", "in_progress"):
        idea.status = status
        assert can.vote_idea(other_member, thread, idea)
    for status in ("done", "declined"):
        idea.status = status
        assert not can.vote_idea(other_member, thread, idea)
        assert not can.withdraw_idea_vote(other_member, thread, idea)
    idea.status = ""
    for name, value in (("locked", True), ("held", True), ("deleted_at", datetime.now(UTC))):
        setattr(thread, name, value)
        assert not can.vote_idea(other_member, thread, idea), name
        setattr(thread, name, None if name == "deleted_at" else False)
    discussion = await make_thread(member, title="Not an idea at all")
    assert not can.vote_idea(other_member, discussion)


async def test_staff_set_a_status_with_a_note_kept_in_history_and_audited(ideas, member, moderator):
    thread = await make_thread(member, ideas, title="Dark mode for the app")
    await service.set_status(thread, moderator, status="under_review", note="")
    await service.set_status(thread, moderator, status="planned", note="  For the  spring release ")
    idea = await _idea(thread)
    assert (idea.status, idea.status_note) == ("planned", "For the spring release")
    assert idea.status_at is not None
    history = await service.history(idea)
    assert [(c.status, c.note) for c in history] == [
        ("planned", "For the spring release"), ("under_review", ""),
    ]  # fmt: skip
    entry = await AuditEntry.get(action="idea_planned", target_id=thread.id)
    assert (entry.actor_id, entry.target_type, entry.reason) == (
        moderator.id, "thread", "For the spring release",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("status", "note", "field"),
    [
        ("shipped", "", "status"),
        ("declined", "", "note"),
        ("planned", "x" * 301, "note"),
    ],
)
async def test_a_status_needs_a_known_value_a_short_note_and_a_reason_to_decline(
    ideas, member, moderator, status, note, field
):
    thread = await make_thread(member, ideas, title="Dark mode for the app")
    with pytest.raises(Invalid) as error:
        await service.set_status(thread, moderator, status=status, note=note)
    assert field in error.value.errors
    assert not await IdeaStatusChange.all().exists()


async def test_the_same_status_and_note_twice_is_refused(ideas, member, moderator):
    thread = await make_thread(member, ideas, title="Dark mode for the app")
    await service.set_status(thread, moderator, status="planned", note="Soon")
    with pytest.raises(Invalid):
        await service.set_status(thread, moderator, status="planned", note="Soon")
    await service.set_status(thread, moderator, status="planned", note="In May")
    assert await IdeaStatusChange.filter(idea_id=thread.id).count() == 2


async def test_a_status_change_tells_every_voter_and_the_author_but_not_staff_who_set_it(
    ideas, member, moderator
):
    thread = await make_thread(member, ideas, title="Dark mode for the app")
    voters = [await make_user() for _ in range(50)]
    for voter in voters:
        await service.vote(thread, voter)
    await service.vote(thread, moderator)
    bystander = await make_user()
    await service.set_status(thread, moderator, status="planned", note="Next release")
    told = await Notification.filter(kind="idea_planned").values_list("user_id", flat=True)
    assert sorted(told) == sorted([member.id, *(v.id for v in voters)])
    assert moderator.id not in told and bystander.id not in told
    row = await Notification.filter(user_id=voters[0].id).first()
    assert (row.thread_id, row.text, row.url) == (thread.id, "Next release", f"/t/{thread.id}")
    # By e-mail by default: the voter asked to be heard.
    assert row.email_due_at is not None
    await row.fetch_related("actor", "thread")
    assert notifications.describe(row) == "The idea “Dark mode for the app” is planned"


async def test_telling_many_voters_costs_the_same_statements_as_telling_a_few(
    ideas, member, moderator
):
    few = await make_thread(member, ideas, title="Dark mode for the app")
    many = await make_thread(member, ideas, title="A widget for the home screen")
    voters = [await make_user() for _ in range(50)]
    for voter in voters[:3]:
        await service.vote(few, voter)
    for voter in voters:
        await service.vote(many, voter)
    with count_queries() as a_few:
        await service.set_status(few, moderator, status="planned", note="Soon")
    with count_queries() as fifty:
        await service.set_status(many, moderator, status="planned", note="Soon")
    assert len(a_few) == len(fifty)


async def test_a_voter_who_muted_the_thread_or_switched_the_topic_off_is_not_told(
    ideas, member, other_member, moderator
):
    thread = await make_thread(member, ideas, title="Dark mode for the app")
    quiet = await make_user()
    await service.vote(thread, other_member)
    await service.vote(thread, quiet)
    await notifications.set_thread_level(other_member, thread, MUTED)
    await notifications.update_preferences(quiet, {"topic_idea_status": "off", "digest": "weekly"})
    await service.set_status(thread, moderator, status="done", note="Shipped in 2.4")
    assert await Notification.filter(kind="idea_done").values_list("user_id", flat=True) == [
        member.id
    ]


async def test_a_thread_moved_into_an_ideas_category_becomes_an_idea_and_follows_moves(
    ideas, member, other_member, moderator
):
    thread = await make_thread(member, title="Please add dark mode")
    assert not await Idea.filter(id=thread.id).exists()
    await moderation.move_thread(thread, moderator, str(ideas.id))
    assert (await _idea(thread)).category_id == ideas.id
    await service.vote(thread, other_member)
    more_ideas = await make_category(name="More ideas", kind="ideas")
    await moderation.move_thread(await threads.get_thread(thread.id), moderator, str(more_ideas.id))
    assert (await _idea(thread)).category_id == more_ideas.id
    # Out of the ideas categories it leaves their lists, and keeps its votes should it return.
    await moderation.move_thread(
        await threads.get_thread(thread.id), moderator, str((await general()).id)
    )
    idea = await _idea(thread)
    assert (idea.category_id, idea.vote_count) == ((await general()).id, 1)
    assert (await service.top_voted(ideas)).threads == []
    await moderation.move_thread(await threads.get_thread(thread.id), moderator, str(ideas.id))
    assert [t.id for t in (await service.top_voted(ideas)).threads] == [thread.id]
    assert (await _idea(thread)).vote_count == 1


async def test_replies_split_into_an_ideas_category_become_an_idea(
    ideas, member, other_member, moderator
):
    thread = await make_thread(member, title="Battery questions")
    await make_reply(thread, other_member, "Could the app warn me when it is low?")
    new = await moderation.split_thread(
        await threads.get_thread(thread.id), moderator, numbers=[2],
        title="Warn when the battery is low", category_id=str(ideas.id),
    )  # fmt: skip
    assert (await _idea(new)).category_id == ideas.id
    assert not await Idea.filter(id=thread.id).exists()


async def test_top_voted_pages_by_keyset_most_votes_first(ideas, member, moderator):
    voters = [await make_user() for _ in range(4)]
    made = {}
    for votes, title in [(2, "Two votes"), (4, "Four votes"), (0, "No votes"), (2, "Two more")]:
        thread = await make_thread(member, ideas, title=title)
        for voter in voters[:votes]:
            await service.vote(thread, voter)
        made[title] = thread
    gone = await make_thread(member, ideas, title="Deleted idea")
    for voter in voters:
        await service.vote(gone, voter)
    opening = await Post.get(thread_id=gone.id, number=1)
    await threads.delete_post(await threads.get_post(opening.id), moderator)
    first = await service.top_voted(ideas, limit=2)
    assert [t.title for t in first.threads] == ["Four votes", "Two more"]
    second = await service.top_voted(ideas, first.next_cursor, limit=2)
    assert [t.title for t in second.threads] == ["Two votes", "No votes"]
    assert second.next_cursor is None
    assert [t.idea.vote_count for t in second.threads] == [2, 0]


async def test_lists_filter_by_status_and_by_no_status_yet(ideas, member, moderator):
    planned = await make_thread(member, ideas, title="Planned idea")
    declined = await make_thread(member, ideas, title="Declined idea")
    await make_thread(member, ideas, title="Idea nobody answered")
    await service.set_status(planned, moderator, status="planned", note="")
    await service.set_status(declined, moderator, status="declined", note="Out of scope")
    by_votes = await service.top_voted(ideas, status="planned")
    assert [t.title for t in by_votes.threads] == ["Planned idea"]
    latest = await service.latest_with_status(ideas, "none")
    assert [t.title for t in latest.threads] == ["Idea nobody answered"]
    assert [t.title for t in (await service.latest_with_status(ideas, "declined")).threads] == [
        "Declined idea"
    ]


async def test_a_category_that_becomes_an_ideas_category_gets_its_ideas(member):
    category = await make_category(name="Feedback")
    thread = await make_thread(member, category, title="Please add dark mode")
    await threads.update_category(
        category, {"name": "Feedback", "slug": category.slug, "kind": "ideas"}
    )
    assert await service.fill_category(category.id) == 1
    assert (await _idea(thread)).category_id == category.id
    assert await service.fill_category(category.id) == 0


async def test_the_dashboard_list_holds_the_most_voted_ideas_without_a_status(
    ideas, member, moderator
):
    voters = [await make_user() for _ in range(3)]
    answered = await make_thread(member, ideas, title="Answered idea")
    waiting = await make_thread(member, ideas, title="Waiting idea")
    quiet = await make_thread(member, ideas, title="Quiet idea")
    for voter in voters:
        await service.vote(answered, voter)
        await service.vote(waiting, voter)
    await service.vote(quiet, voters[0])
    await service.set_status(answered, moderator, status="planned", note="")
    archived = await make_category(name="Old ideas", kind="ideas")
    await make_thread(member, archived, title="Archived idea")
    await threads.set_archived(await Category.get(id=archived.id), True)
    top = await service.top_without_status()
    assert [t.title for t in top] == ["Waiting idea", "Quiet idea"]
