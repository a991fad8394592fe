"""Poll rules: adding, voting and changing a vote, counters, closing, reminders, follow-ups."""

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from forum import i18n, permissions
from forum.forms import Invalid
from forum.notifications.models import Notification
from forum.polls import service
from forum.polls.models import Poll, PollVote
from forum.threads import service as threads
from tests.conftest import make_reply, make_thread, make_user


async def make_poll(thread, author, options="Red\nGreen\nBlue", **fields) -> Poll:
    fields.setdefault("question", "Which colour should the next lamp come in?")
    return await service.create_poll(thread, author, options=options, **fields)


async def option_ids(poll) -> list[str]:
    return [str(option.id) for option in await service.options_of(poll)]


async def counts(poll) -> tuple[int, list[int]]:
    """(voters, votes per option) as stored on the rows."""
    fresh = await Poll.get(id=poll.id)
    return fresh.voter_count, [option.vote_count for option in await service.options_of(poll)]


async def kinds(user) -> list[str]:
    rows = await Notification.filter(user_id=user.id, kind__startswith="poll").order_by("id")
    return [row.kind for row in rows]


def in_days(days: float) -> str:
    """A closing time as the form's datetime-local field sends it, in the reader's zone."""
    zone = ZoneInfo(i18n.current_timezone())
    return (datetime.now(zone) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def _errors(excinfo) -> dict[str, str]:
    return excinfo.value.errors


# --- Adding a poll


async def test_a_poll_keeps_its_options_in_order_without_blank_lines(member):
    thread = await make_thread(member)
    poll = await make_poll(thread, member, options="  Red \n\n Light   green\nBlue\n")
    assert [o.text for o in await service.options_of(poll)] == ["Red", "Light green", "Blue"]
    assert poll.multiple is False and poll.closes_at is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"question": "Hm?"}, "question"),
        ({"options": "Only one"}, "options"),
        ({"options": "\n".join(f"Option {n}" for n in range(21))}, "options"),
        ({"options": "Red\nred"}, "options"),
        ({"options": "Red\n" + "x" * 201}, "options"),
        ({"multiple": True, "max_choices": "1"}, "max_choices"),
        ({"multiple": True, "max_choices": "9"}, "max_choices"),
        ({"multiple": True, "max_choices": "two"}, "max_choices"),
        ({"closes_at": "tomorrow"}, "closes_at"),
        ({"closes_at": "2001-01-01T10:00"}, "closes_at"),
        ({"closes_at": in_days(400)}, "closes_at"),
    ],
)  # fmt: skip
async def test_a_poll_with_bad_fields_is_refused_with_a_message_for_each(member, fields, field):
    thread = await make_thread(member)
    with pytest.raises(Invalid) as excinfo:
        await make_poll(thread, member, **fields)
    assert field in _errors(excinfo)
    assert not await Poll.filter(thread_id=thread.id).exists()


async def test_the_closing_time_is_read_in_the_authors_time_zone(member):
    thread = await make_thread(member)
    year = datetime.now(UTC).year + 1
    with i18n.language("tr", "Europe/Istanbul"):
        poll = await make_poll(thread, member, closes_at=f"{year}-03-01T12:00")
    assert poll.closes_at == datetime(year, 3, 1, 9, 0, tzinfo=UTC)


async def test_a_thread_carries_one_poll_at_most(member):
    thread = await make_thread(member)
    await make_poll(thread, member)
    with pytest.raises(Invalid) as excinfo:
        await make_poll(thread, member, question="And another question?")
    assert "form" in _errors(excinfo)
    assert await Poll.filter(thread_id=thread.id).count() == 1


async def test_only_the_threads_author_or_staff_may_add_a_poll(member, other_member, moderator):
    thread = await make_thread(member)
    assert permissions.add_poll(member, thread)
    assert permissions.add_poll(moderator, thread)
    assert not permissions.add_poll(other_member, thread)
    await threads.set_locked(thread, True)
    assert not permissions.add_poll(member, thread) and permissions.add_poll(moderator, thread)


# --- Voting


async def test_a_single_choice_poll_takes_one_option(member, other_member):
    poll = await make_poll(await make_thread(member), member)
    red, green, _blue = await option_ids(poll)
    with pytest.raises(Invalid) as excinfo:
        await service.vote(poll, other_member, [red, green])
    assert "option" in _errors(excinfo)
    await service.vote(poll, other_member, [green])
    assert await counts(poll) == (1, [0, 1, 0])


async def test_a_multiple_choice_poll_takes_up_to_its_maximum(member, other_member):
    poll = await make_poll(await make_thread(member), member, multiple=True, max_choices="2")
    red, green, blue = await option_ids(poll)
    with pytest.raises(Invalid):
        await service.vote(poll, other_member, [red, green, blue])
    await service.vote(poll, other_member, [red, blue])
    assert await counts(poll) == (1, [1, 0, 1])


async def test_without_a_maximum_every_option_may_be_chosen(member, other_member):
    poll = await make_poll(await make_thread(member), member, multiple=True)
    await service.vote(poll, other_member, await option_ids(poll))
    assert await counts(poll) == (1, [1, 1, 1])


async def test_an_empty_vote_or_another_polls_option_is_refused(member, other_member):
    poll = await make_poll(await make_thread(member), member)
    other = await make_poll(await make_thread(member, title="Another poll thread"), member)
    for chosen in ([], ["x"], (await option_ids(other))[:1]):
        with pytest.raises(Invalid):
            await service.vote(poll, other_member, chosen)
    assert await counts(poll) == (0, [0, 0, 0])


async def test_changing_a_vote_replaces_the_earlier_choice_and_keeps_the_counters_right(
    member, other_member
):
    poll = await make_poll(await make_thread(member), member, multiple=True)
    red, green, blue = await option_ids(poll)
    await service.vote(poll, other_member, [red, green])
    await service.vote(poll, member, [red])
    await service.vote(poll, other_member, [green, blue])
    assert await counts(poll) == (2, [1, 1, 1])
    assert not await service.vote(poll, other_member, [blue, green])  # the same choice again
    assert await counts(poll) == (2, [1, 1, 1])
    assert await PollVote.filter(poll_id=poll.id).count() == 3


async def test_a_closed_poll_refuses_votes(member, other_member):
    poll = await make_poll(await make_thread(member), member)
    [red, *_] = await option_ids(poll)
    await service.close(poll)
    with pytest.raises(Invalid):
        await service.vote(await Poll.get(id=poll.id), other_member, [red])
    assert await counts(poll) == (0, [0, 0, 0])


async def test_a_poll_past_its_closing_time_refuses_votes_before_the_worker_closes_it(
    member, other_member
):
    poll = await make_poll(await make_thread(member), member, closes_at=in_days(1))
    await Poll.filter(id=poll.id).update(closes_at=datetime.now(UTC) - timedelta(minutes=1))
    poll = await Poll.get(id=poll.id)
    assert poll.is_closed and poll.closed_at is None
    with pytest.raises(Invalid):
        await service.vote(poll, other_member, (await option_ids(poll))[:1])
    assert not permissions.vote_poll(other_member, poll)


@pytest.fixture
def slow_votes(monkeypatch):
    """Widen the moment between reading a member's choices and writing them, so that votes
    sent at the same moment really overlap (each on its own connection on PostgreSQL)."""
    original = PollVote.create

    async def slow(**fields):
        await asyncio.sleep(0.05)
        return await original(**fields)

    monkeypatch.setattr(PollVote, "create", slow)


async def test_votes_at_the_same_moment_leave_the_counters_right(member, slow_votes):
    poll = await make_poll(await make_thread(member), member)
    red, green, blue = await option_ids(poll)
    voters = [await make_user() for _ in range(9)]
    await asyncio.gather(
        *(service.vote(poll, voter, [(red, green, blue)[n % 3]]) for n, voter in enumerate(voters))
    )
    assert await counts(poll) == (9, [3, 3, 3])


async def test_one_member_voting_twice_at_once_keeps_one_choice_in_a_single_choice_poll(
    member, other_member, slow_votes
):
    poll = await make_poll(await make_thread(member), member)
    red, green, _blue = await option_ids(poll)
    await asyncio.gather(
        service.vote(poll, other_member, [red]), service.vote(poll, other_member, [green])
    )
    voters, votes = await counts(poll)
    assert voters == 1 and sum(votes) == 1
    assert await PollVote.filter(poll_id=poll.id, user_id=other_member.id).count() == 1


async def test_silenced_and_suspended_members_and_guests_cannot_vote(member, other_member):
    poll = await make_poll(await make_thread(member), member)
    poll = await service.get_poll(poll.id)
    assert permissions.vote_poll(other_member, poll)
    assert not permissions.vote_poll(permissions.Guest(), poll)
    silenced = await make_user(silenced_until=datetime.now(UTC) + timedelta(days=1))
    suspended = await make_user(suspended_at=datetime.now(UTC))
    assert not permissions.vote_poll(silenced, poll)
    assert not permissions.vote_poll(suspended, poll)


# --- Who sees the results


async def test_results_show_after_voting_or_closing_and_always_to_staff(
    member, other_member, moderator
):
    thread = await make_thread(member)
    poll = await make_poll(thread, member)
    assert not (await service.thread_poll(thread, other_member)).show_results
    assert not (await service.thread_poll(thread, permissions.Guest())).show_results
    assert (await service.thread_poll(thread, moderator)).show_results
    await service.vote(poll, other_member, (await option_ids(poll))[1:2])
    view = await service.thread_poll(thread, other_member)
    assert view.show_results and view.chosen == {int((await option_ids(poll))[1])}
    assert [r.percent for r in view.results] == [0.0, 100.0, 0.0]
    assert [r.chosen for r in view.results] == [False, True, False]
    assert not (await service.thread_poll(thread, member)).show_results
    await service.close(poll)
    assert (await service.thread_poll(thread, permissions.Guest())).show_results


async def test_a_thread_without_a_poll_has_no_poll_view(member):
    assert await service.thread_poll(await make_thread(member), member) is None


# --- Closing and the reminder


async def test_due_polls_close_once_and_remind_the_author_and_the_managers_once(
    member, other_member, moderator, manager
):
    thread = await make_thread(member)
    poll = await make_poll(thread, member, closes_at=in_days(1))
    later = await make_poll(await make_thread(member, title="A later poll"), member,
                            closes_at=in_days(3))  # fmt: skip
    assert await service.close_due() == 0
    moment = datetime.now(UTC) + timedelta(days=2)
    assert await service.close_due(moment) == 1
    assert await service.close_due(moment) == 0
    closed = await Poll.get(id=poll.id)
    assert closed.closed_at == closed.closes_at and closed.reminded_at is not None
    assert (await Poll.get(id=later.id)).closed_at is None
    assert await kinds(member) == ["poll_closed"]
    assert await kinds(manager) == ["poll_closed"]
    assert await kinds(moderator) == [] and await kinds(other_member) == []
    reminder = await Notification.get(user_id=manager.id, kind="poll_closed")
    assert reminder.thread_id == thread.id and reminder.url == f"/t/{thread.id}#poll"


async def test_closing_by_hand_reminds_once_even_when_closed_again(member, manager):
    poll = await make_poll(await make_thread(member), member)
    assert await service.close(poll)
    assert not await service.close(poll)
    assert await service.close_due(datetime.now(UTC) + timedelta(days=400)) == 0
    assert await kinds(member) == ["poll_closed"] and await kinds(manager) == ["poll_closed"]


async def test_only_the_author_or_staff_close_an_open_poll(member, other_member, moderator):
    poll = await service.get_poll((await make_poll(await make_thread(member), member)).id)
    assert permissions.close_poll(member, poll) and permissions.close_poll(moderator, poll)
    assert not permissions.close_poll(other_member, poll)
    await service.close(poll)
    assert not permissions.close_poll(moderator, await service.get_poll(poll.id))


# --- The follow-up


async def _closed_poll_with_voters(author, voters):
    thread = await make_thread(author)
    poll = await make_poll(thread, author)
    for voter in voters:
        await service.vote(poll, voter, (await option_ids(poll))[:1])
    await service.close(poll)
    return thread, poll


async def test_a_staff_follow_up_links_the_poll_and_tells_every_voter(
    member, other_member, moderator
):
    bystander = await make_user()
    thread, poll = await _closed_poll_with_voters(member, [other_member, moderator])
    reply = await threads.reply(thread, moderator, "We will make the green one.", follow_up=True)
    assert (await Poll.get(id=poll.id)).follow_up_post_id == reply.id
    told = await Notification.get(user_id=other_member.id, kind="poll_follow_up")
    assert told.post_id == reply.id and told.url == f"/p/{reply.id}"
    assert told.actor_id == moderator.id
    assert await kinds(moderator) == []  # the one who wrote it
    assert await kinds(bystander) == []
    assert "poll_follow_up" not in await kinds(member)  # the author did not vote


async def test_a_members_reply_marked_as_follow_up_changes_nothing(member, other_member):
    thread, poll = await _closed_poll_with_voters(member, [other_member])
    await threads.reply(thread, member, "Thanks for voting everyone.", follow_up=True)
    assert (await Poll.get(id=poll.id)).follow_up_post_id is None
    assert await kinds(other_member) == []


async def test_a_follow_up_waits_for_the_poll_to_close_and_comes_once(
    member, other_member, moderator
):
    thread = await make_thread(member)
    poll = await make_poll(thread, member)
    await service.vote(poll, other_member, (await option_ids(poll))[:1])
    await threads.reply(thread, moderator, "Early thoughts.", follow_up=True)
    assert (await Poll.get(id=poll.id)).follow_up_post_id is None
    await service.close(poll)
    first = await threads.reply(thread, moderator, "Here is the plan.", follow_up=True)
    await threads.reply(thread, moderator, "And one more thing.", follow_up=True)
    assert (await Poll.get(id=poll.id)).follow_up_post_id == first.id
    assert await kinds(other_member) == ["poll_follow_up"]


async def test_a_reply_not_marked_is_not_the_follow_up(member, other_member, moderator):
    thread, poll = await _closed_poll_with_voters(member, [other_member])
    await make_reply(thread, moderator, "Just a comment.")
    assert (await Poll.get(id=poll.id)).follow_up_post_id is None


async def test_a_poll_followed_up_before_its_reminder_reminds_nobody(member, manager, moderator):
    thread = await make_thread(member)
    poll = await make_poll(thread, member, closes_at=in_days(1))
    await Poll.filter(id=poll.id).update(closes_at=datetime.now(UTC) - timedelta(minutes=1))
    await threads.reply(thread, moderator, "Results are in: green.", follow_up=True)
    assert await service.close_due() == 1
    assert await kinds(manager) == [] and await kinds(member) == []


async def test_the_dashboard_list_holds_closed_polls_without_a_follow_up(member, moderator):
    waiting_thread, waiting = await _closed_poll_with_voters(member, [])
    done_thread, done = await _closed_poll_with_voters(member, [])
    await make_poll(await make_thread(member, title="Still open poll"), member)
    await threads.reply(done_thread, moderator, "Done and dusted.", follow_up=True)
    assert [poll.id for poll in await service.awaiting_follow_up()] == [waiting.id]
    assert (await service.awaiting_follow_up())[0].thread.id == waiting_thread.id


# --- The results as CSV


async def test_the_csv_has_counts_and_percentages_but_no_names(member, other_member):
    poll = await make_poll(await make_thread(member), member, options="Red\n=1+1\nBlue")
    red, formula, _blue = await option_ids(poll)
    await service.vote(poll, other_member, [red])
    await service.vote(poll, member, [formula])
    poll = await Poll.get(id=poll.id)
    rows = service.csv_rows(poll, await service.options_of(poll))
    assert rows == [
        ["option", "votes", "percent"],
        ["Red", "1", "50.0"],
        ["'=1+1", "1", "50.0"],  # a spreadsheet shows it, never runs it
        ["Blue", "0", "0.0"],
    ]
    assert not any(name in str(rows) for name in ("ana", "boris"))


async def test_percentages_are_of_voters_so_multiple_choice_adds_past_100(member, other_member):
    poll = await make_poll(await make_thread(member), member, multiple=True)
    red, green, _blue = await option_ids(poll)
    await service.vote(poll, other_member, [red, green])
    await service.vote(poll, member, [red])
    poll = await Poll.get(id=poll.id)
    results = service.results(poll, await service.options_of(poll))
    assert [r.percent for r in results] == [100.0, 50.0, 0.0]
