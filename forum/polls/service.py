"""Polls: adding one to a thread, voting (and changing a vote), closing (by hand or on time,
with a reminder to post a follow-up), the follow-up itself, and the results."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from forum import i18n, permissions
from forum.accounts.models import User
from forum.forms import Invalid, check_length, integer, positive_ids
from forum.i18n import gettext as _
from forum.notifications import service as notifications
from forum.polls.models import Poll, PollOption, PollVote
from forum.text import fold
from forum.threads import service as threads
from forum.threads.models import Post, Thread

QUESTION_MIN, QUESTION_MAX = 5, 200
OPTION_MAX = 200
OPTIONS_MIN, OPTIONS_MAX = 2, 20
# A closing time further away than this is surely a typo (a year in the wrong place).
LONGEST_OPEN = timedelta(days=366)
# Polls closed per worker round, so one round stays short.
CLOSE_BATCH = 100
# Closed polls still waiting for a follow-up, listed on the dashboard.
AWAITING_LIMIT = 20


def now() -> datetime:
    return datetime.now(UTC)


# --- Reading


async def get_poll(poll_id: int) -> Poll | None:
    """A poll with its thread (and the thread's category), unless the thread is deleted."""
    return (
        await Poll.filter(id=poll_id, thread__deleted_at__isnull=True)
        .select_related("thread", "thread__category")
        .first()
    )


async def poll_of_thread(thread_id: int) -> Poll | None:
    return await Poll.filter(thread_id=thread_id).first()


async def options_of(poll: Poll) -> list[PollOption]:
    return await PollOption.filter(poll_id=poll.id).order_by("position")


@dataclass
class Result:
    option: PollOption
    votes: int
    # Of the voters, how many chose this option (a multiple-choice poll's add up past 100).
    percent: float
    chosen: bool


@dataclass
class PollView:
    """A poll as one reader sees it: its options, their own choices, and whether the results
    are theirs to see."""

    poll: Poll
    options: list[PollOption]
    chosen: set[int] = field(default_factory=set)
    show_results: bool = False

    @property
    def voted(self) -> bool:
        return bool(self.chosen)

    @property
    def results(self) -> list[Result]:
        return results(self.poll, self.options, self.chosen)

    @property
    def choice_limit(self) -> int:
        return choice_limit(self.poll, len(self.options))


def choice_limit(poll: Poll, option_count: int) -> int:
    """How many options one voter may choose."""
    if not poll.multiple:
        return 1
    return min(poll.max_choices or option_count, option_count)


def percent(votes: int, voters: int) -> float:
    return round(100 * votes / voters, 1) if voters else 0.0


def results(poll: Poll, options: list[PollOption], chosen: Iterable[int] = ()) -> list[Result]:
    mine = set(chosen)
    return [
        Result(option, option.vote_count, percent(option.vote_count, poll.voter_count),
               option.id in mine)
        for option in options
    ]  # fmt: skip


async def thread_poll(thread: Thread, user: Any) -> PollView | None:
    """The thread's poll for this reader, in one query (two for a member who may have voted):
    the options with their poll, then the member's choices."""
    options = await (
        PollOption.filter(poll__thread_id=thread.id).order_by("position").select_related("poll")
    )
    if not options:
        return None
    poll = options[0].poll
    poll.thread = thread
    return await view(poll, options, user)


async def view(poll: Poll, options: list[PollOption], user: Any) -> PollView:
    chosen: set[int] = set()
    if getattr(user, "is_authenticated", False):
        chosen = set(
            await PollVote.filter(poll_id=poll.id, user_id=user.id).values_list(
                "option_id", flat=True
            )
        )
    shown = permissions.see_poll_results(user, poll, voted=bool(chosen))
    return PollView(poll, options, chosen, shown)


# --- Adding a poll


def _options(text: str, errors: dict[str, str]) -> list[str]:
    """One option a line: blank lines dropped, spaces tidied; each different and not too long."""
    options = [" ".join(line.split()) for line in text.splitlines()]
    options = [option for option in options if option]
    if len(options) < OPTIONS_MIN:
        errors["options"] = _("Give at least %(n)d options, one a line.") % {"n": OPTIONS_MIN}
    elif len(options) > OPTIONS_MAX:
        errors["options"] = _("Give at most %(n)d options.") % {"n": OPTIONS_MAX}
    elif any(len(option) > OPTION_MAX for option in options):
        errors["options"] = _("Keep each option to %(n)d characters.") % {"n": OPTION_MAX}
    elif len({fold(option) for option in options}) < len(options):
        errors["options"] = _("Each option must be different.")
    return options


async def create_poll(
    thread: Thread, author: User, *, question: str, options: str, multiple: bool = False,
    max_choices: str = "", closes_at: str = "",
) -> Poll:  # fmt: skip
    """Add a poll to a thread that has none: the question, 2 to 20 options (one a line), single
    or multiple choice (optionally at most N), and an optional closing time in the author's
    time zone. Raises Invalid with a message per field."""
    question = " ".join(question.split())
    errors: dict[str, str] = {}
    check_length(errors, "question", question, minimum=QUESTION_MIN, maximum=QUESTION_MAX,
                 label=_("Question"))  # fmt: skip
    texts = _options(options, errors)
    limit = None
    if multiple and max_choices.strip():
        raw = max_choices.strip()
        highest = max(len(texts), OPTIONS_MIN)
        count = integer(raw, 2, highest)
        if count is None:
            errors["max_choices"] = _("Choose a number from 2 to %(n)d, or leave it empty.") % {
                "n": highest
            }
        else:
            limit = count if count < len(texts) else None
    closing = None
    if closes_at.strip():
        closing = i18n.local_moment(closes_at)
        if closing is None:
            errors["closes_at"] = _("Choose a date and a time.")
        elif closing <= now():
            errors["closes_at"] = _("Choose a time in the future.")
        elif closing > now() + LONGEST_OPEN:
            errors["closes_at"] = _("Choose a time within a year.")
    if not errors and await Poll.filter(thread_id=thread.id).exists():
        errors["form"] = _("This thread already has a poll.")
    if errors:
        raise Invalid(errors)
    try:
        async with in_transaction():
            poll = await Poll.create(
                thread_id=thread.id, question=question, multiple=multiple, max_choices=limit,
                closes_at=closing,
            )  # fmt: skip
            for position, text in enumerate(texts):
                await PollOption.create(poll=poll, position=position, text=text)
            await threads.mark_poll(thread)
    except IntegrityError:
        # Someone added one at the same moment: the thread carries one poll at most.
        raise Invalid({"form": _("This thread already has a poll.")}) from None
    return poll


# --- Voting


async def vote(poll: Poll, user: User, option_ids: Iterable[str]) -> bool:
    """Record the member's choices, replacing any earlier ones, while the poll is open.
    The counters move in the same transaction, under the poll's row lock, so votes at the same
    moment (even two from one member) leave them right. Returns whether anything changed."""
    options = {option.id: option for option in await options_of(poll)}
    chosen = set(positive_ids(option_ids))
    limit = choice_limit(poll, len(options))
    if not chosen or not chosen <= set(options):
        raise Invalid({"option": _("Choose an option.")})
    if len(chosen) > limit:
        message = (
            _("Choose one option.")
            if limit == 1
            else _("Choose at most %(n)d options.") % {"n": limit}
        )
        raise Invalid({"option": message})
    async with in_transaction():
        current = await Poll.filter(id=poll.id).select_for_update().first()
        if current is None or current.is_closed:
            raise Invalid({"option": _("This poll is closed: votes can no longer change.")})
        before = set(
            await PollVote.filter(poll_id=poll.id, user_id=user.id).values_list(
                "option_id", flat=True
            )
        )
        if before == chosen:
            return False
        if removed := list(before - chosen):
            await PollVote.filter(poll_id=poll.id, user_id=user.id, option_id__in=removed).delete()
            await PollOption.filter(id__in=removed).update(vote_count=F("vote_count") - 1)
        if added := sorted(chosen - before):
            for option_id in added:
                await PollVote.create(poll_id=poll.id, option_id=option_id, user_id=user.id)
            await PollOption.filter(id__in=added).update(vote_count=F("vote_count") + 1)
        if not before:
            await Poll.filter(id=poll.id).update(voter_count=F("voter_count") + 1)
    return True


# --- Closing, and the reminder to follow up


async def close(poll: Poll, at: datetime | None = None) -> bool:
    """Close the poll now (its author or staff, or the worker at its closing time); the thread's
    author and the managers are reminded, once, to post a follow-up. Returns whether it was
    open."""
    moment = at or now()
    async with in_transaction():
        if not await Poll.filter(id=poll.id, closed_at__isnull=True).update(closed_at=moment):
            return False
        poll.closed_at = moment
        await _remind(poll)
    return True


async def close_due(at: datetime | None = None) -> int:
    """Close every poll whose closing time has come (the worker calls this each round)."""
    moment = at or now()
    due = await (
        Poll.filter(closed_at__isnull=True, closes_at__lte=moment)
        .order_by("closes_at")
        .limit(CLOSE_BATCH)
    )
    closed = 0
    for poll in due:
        closed += await close(poll, poll.closes_at)
    return closed


async def _remind(poll: Poll) -> None:
    """Tell the thread's author and the managers that the poll closed and voters wait for a
    follow-up; only once per poll (its reminded_at is the key), and not when it has one."""
    if not await Poll.filter(id=poll.id, reminded_at__isnull=True).update(reminded_at=now()):
        return
    thread = await Thread.filter(id=poll.thread_id).first()
    if thread is None or thread.deleted_at or poll.follow_up_post_id:
        return
    managers = await User.filter(role="manager", suspended_at__isnull=True).values_list(
        "id", flat=True
    )
    recipients = {user_id: "poll_closed" for user_id in [thread.author_id, *managers]}
    opening = await Post.filter(thread_id=thread.id, number=1).values_list("id", flat=True)
    # Linked to the opening post, so reading the poll marks the reminder read.
    await notifications.notify(
        recipients, thread_id=thread.id, post_id=opening[0] if opening else None,
        url=f"/t/{thread.id}#poll",
    )  # fmt: skip


# --- The follow-up


async def record_follow_up(post: Post) -> bool:
    """A staff reply marked as the poll's follow-up: the poll links to it and every voter is
    told. Only for a closed poll without one yet; call it inside the reply's transaction."""
    if not permissions.is_staff(post.author):
        return False
    poll = await poll_of_thread(post.thread_id)
    if poll is None or not poll.is_closed or poll.follow_up_post_id is not None:
        return False
    if not await Poll.filter(id=poll.id, follow_up_post_id__isnull=True).update(
        follow_up_post_id=post.id
    ):
        return False
    voters = await PollVote.filter(poll_id=poll.id).distinct().values_list("user_id", flat=True)
    await notifications.notify(
        {user_id: "poll_follow_up" for user_id in voters}, actor_id=post.author_id,
        thread_id=post.thread_id, post_id=post.id, url=f"/p/{post.id}",
    )  # fmt: skip
    return True


# --- For the manager


async def awaiting_follow_up(limit: int = AWAITING_LIMIT) -> list[Poll]:
    """Closed polls (of threads still shown) nobody has followed up yet, longest waiting first."""
    return await (
        Poll.filter(
            closed_at__isnull=False,
            follow_up_post_id__isnull=True,
            thread__deleted_at__isnull=True,
        )  # fmt: skip
        .order_by("closed_at")
        .limit(limit)
        .select_related("thread")
    )


# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA) else text


def csv_rows(poll: Poll, options: list[PollOption]) -> list[list[str]]:
    """The results as rows: option, votes, percent of voters; never who voted."""
    return [["option", "votes", "percent"]] + [
        [_cell(result.option.text), str(result.votes), f"{result.percent:.1f}"]
        for result in results(poll, options)
    ]
