"""Ideas: the verbs (vote, withdraw, set a status) and the reads (an idea and its history, the
top voted list of a category, filtering by status).

Every thread in an "ideas" category has an Idea row, its id the thread's id: made when the
thread is announced (listeners.py), when a thread is moved into such a category, or on demand
(a vote, a status, a list that finds a thread without one), always by an insert that ignores a
row already there, so two requests at once never fail or make two.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Subquery
from tortoise.transactions import in_transaction

from forum import db
from forum.accounts.models import User
from forum.forms import Invalid
from forum.i18n import gettext as _
from forum.ideas.models import STATUSES, Idea, IdeaStatusChange, IdeaVote
from forum.moderation.service import audit
from forum.notifications import service as notifications
from forum.threads import service as threads
from forum.threads.models import Category, Thread
from forum.threads.service import THREADS_PER_PAGE, ThreadList

NOTE_MAX = 300
# Ideas a list page shows (read at call time, so tests can lower it).
PER_PAGE = THREADS_PER_PAGE
# The query value that filters ideas staff have not given a status yet.
NO_STATUS = "none"
# Rows written (or voters told of a status change) per statement: well under the databases'
# limits on parameters, and one preference read and one insert per batch of voters.
BATCH = 500


def now() -> datetime:
    return datetime.now(UTC)


def is_ideas(thread: Thread) -> bool:
    """Whether the thread is in an ideas category (its category must be loaded)."""
    category = getattr(thread, "category", None)
    return isinstance(category, Category) and category.kind == "ideas"


# --- Making sure an idea has its row


async def ensure_ideas(rows: Iterable[tuple[int, int]]) -> None:
    """Give each (thread id, category id) an Idea row unless it has one (race-safe)."""
    ideas = [Idea(id=thread_id, category_id=category_id) for thread_id, category_id in rows]
    if ideas:
        await Idea.bulk_create(ideas, batch_size=BATCH, ignore_conflicts=True)


async def ensure_idea(thread: Thread) -> None:
    await ensure_ideas([(thread.id, thread.category_id)])


async def get_idea(thread_id: int) -> Idea | None:
    return await Idea.filter(id=thread_id).first()


async def follow_thread(thread_id: int) -> None:
    """A thread changed category: its idea follows (and one moved into an ideas category gets
    its row). An idea moved out keeps its votes and status, should it come back."""
    thread = await Thread.filter(id=thread_id).select_related("category").first()
    if thread is None:
        return
    if is_ideas(thread):
        await ensure_idea(thread)
    await (
        Idea.filter(id=thread.id)
        .exclude(category_id=thread.category_id)
        .update(category_id=thread.category_id)
    )


async def fill_category(category_id: int) -> int:
    """Give every shown thread of an ideas category its row: after its type became "ideas", or
    after a split put a new thread there. Returns how many were missing."""
    missing = await (
        Thread.filter(category_id=category_id, deleted_at__isnull=True, held=False)
        .exclude(id__in=Subquery(Idea.filter(category_id=category_id).values("id")))
        .values_list("id", flat=True)
    )
    await ensure_ideas((thread_id, category_id) for thread_id in missing)
    # A row that was already there under another category (moved before this code ran)
    # follows too; in batches, under the databases' limits on parameters.
    for start in range(0, len(missing), BATCH):
        await Idea.filter(id__in=missing[start : start + BATCH]).update(category_id=category_id)
    return len(missing)


# --- Voting


async def vote(thread: Thread, user: User) -> bool:
    """Vote the idea up once; returns False when the member had already voted. The counter
    moves only when a vote row was really written, so repeated or simultaneous requests
    count once."""
    try:
        async with in_transaction():
            await ensure_idea(thread)
            await IdeaVote.create(idea_id=thread.id, user_id=user.id)
            await Idea.filter(id=thread.id).update(vote_count=F("vote_count") + 1)
    except IntegrityError:
        return False
    return True


async def unvote(thread: Thread, user: User) -> bool:
    """Withdraw the member's vote; returns False when there was none."""
    async with in_transaction():
        if not await IdeaVote.filter(idea_id=thread.id, user_id=user.id).delete():
            return False
        await Idea.filter(id=thread.id).update(vote_count=F("vote_count") - 1)
    return True


async def has_voted(idea: Idea | None, user: Any) -> bool:
    """Whether the member voted for the idea (no query when nobody has)."""
    if idea is None or not idea.vote_count or not getattr(user, "is_authenticated", False):
        return False
    return await IdeaVote.filter(idea_id=idea.id, user_id=user.id).exists()


# --- Status


def status_label(status: str) -> str:
    labels = {
        "under_review": _("Under review"), "planned": _("Planned"),
        "in_progress": _("In progress"), "done": _("Done"), "declined": _("Declined"),
    }  # fmt: skip
    return labels.get(status, "")


async def set_status(thread: Thread, actor: User, *, status: str, note: str) -> IdeaStatusChange:
    """Give the idea a status with a short note (required to decline). The change is kept in
    its history, written to the audit log, and every voter and the author are told, all in
    one transaction."""
    note = " ".join(note.split())
    errors: dict[str, str] = {}
    if status not in STATUSES:
        errors["status"] = _("Choose a status.")
    if len(note) > NOTE_MAX:
        errors["note"] = _("Use at most %(n)d characters.") % {"n": NOTE_MAX}
    elif status == "declined" and not note:
        errors["note"] = _("Say why the idea is declined: its voters will read it.")
    idea = await get_idea(thread.id)
    if not errors and idea and idea.status == status and idea.status_note == note:
        errors["status"] = _("The idea already has this status and note.")
    if errors:
        raise Invalid(errors)
    moment = now()
    async with in_transaction():
        await ensure_idea(thread)
        await Idea.filter(id=thread.id).update(status=status, status_note=note, status_at=moment)
        change = await IdeaStatusChange.create(
            idea_id=thread.id, status=status, note=note, actor=actor, created_at=moment
        )
        await audit(actor, f"idea_{status}", thread, note)
        await _tell_voters(thread, actor, status, note)
    return change


async def _tell_voters(thread: Thread, actor: User, status: str, note: str) -> None:
    """Every voter and the idea's author hear of the new status (never the staff member who
    set it, nor anyone who muted the thread), in batches: two statements per batch."""
    _watching, muted = await notifications.audience(thread)
    voters = (
        await IdeaVote.filter(idea_id=thread.id).order_by("id").values_list("user_id", flat=True)
    )
    recipients = [thread.author_id, *(user for user in voters if user != thread.author_id)]
    recipients = [user for user in recipients if user not in muted]
    for start in range(0, len(recipients), BATCH):
        await notifications.notify(
            dict.fromkeys(recipients[start : start + BATCH], f"idea_{status}"),
            actor_id=actor.id, thread_id=thread.id, text=note, url=f"/t/{thread.id}",
        )  # fmt: skip


async def history(idea: Idea | None) -> list[IdeaStatusChange]:
    """The statuses staff gave the idea, newest first (no query before the first one)."""
    if idea is None or not idea.status:
        return []
    return await IdeaStatusChange.filter(idea_id=idea.id).order_by("-created_at", "-id")


# --- Lists


async def ideas_of(thread_ids: list[int]) -> dict[int, Idea]:
    if not thread_ids:
        return {}
    return {idea.id: idea for idea in await Idea.filter(id__in=thread_ids)}


def _parse_votes_cursor(cursor: str | None) -> tuple[int, int] | None:
    """ "<votes>-<id>" -> (votes, id); anything malformed means the first page."""
    try:
        votes, thread_id = (cursor or "").rsplit("-", 1)
        return int(votes), int(thread_id)
    except ValueError:
        return None


def _status_filter(status: str | None) -> str | None:
    """The stored status a ?status= value asks for ("" for none yet), None for no filter."""
    if status == NO_STATUS:
        return ""
    return status if status in STATUSES else None


async def top_voted(
    category: Category, cursor: str | None = None, status: str | None = None,
    limit: int | None = None,
) -> ThreadList:  # fmt: skip
    """The category's ideas by votes, most first, paged by keyset over the (category_id,
    vote_count, id) index; deleted and held threads are skipped in the same read."""
    limit = limit or PER_PAGE
    sql = (
        "SELECT i.id, i.vote_count, i.status, i.status_note FROM idea i"
        " JOIN thread t ON t.id = i.id"
        " WHERE i.category_id = ? AND t.deleted_at IS NULL AND t.held = ?"
    )
    params: list[object] = [category.id, False]
    wanted = _status_filter(status)
    if wanted is not None:
        sql += " AND i.status = ?"
        params.append(wanted)
    if position := _parse_votes_cursor(cursor):
        # A row-value comparison: both databases read it as a range of the index.
        sql += " AND (i.vote_count, i.id) < (?, ?)"
        params += [position[0], position[1]]
    sql += f" ORDER BY i.vote_count DESC, i.id DESC LIMIT {int(limit) + 1}"
    rows = await db.fetch(sql, *params)
    shown = rows[:limit]
    by_id = {
        thread.id: thread
        for thread in await Thread.filter(id__in=[row["id"] for row in shown]).select_related(
            "category", "author", "last_poster"
        )
    }
    ordered = []
    for row in shown:
        if thread := by_id.get(row["id"]):
            thread.idea = Idea(id=row["id"], category_id=category.id, vote_count=row["vote_count"],
                               status=row["status"], status_note=row["status_note"])  # fmt: skip
            ordered.append(thread)
    last = rows[limit - 1] if len(rows) > limit else None
    return ThreadList(ordered, f"{last['vote_count']}-{last['id']}" if last else None)


async def latest_with_status(
    category: Category, status: str, cursor: str | None = None, limit: int | None = None
) -> ThreadList:
    """The category's ideas with one status (or none yet), latest activity first, paged by
    keyset (last_posted_at, id) like every thread list."""
    limit = limit or PER_PAGE
    ids = Idea.filter(category_id=category.id, status=_status_filter(status) or "").values("id")
    return await threads.latest_threads(category, cursor, limit, within=Subquery(ids))


@dataclass
class Choice:
    """How an ideas category page is listed: its order and its status filter."""

    sort: str  # "votes" or "latest"
    status: str  # a status, NO_STATUS, or "" for every idea

    @property
    def query(self) -> str:
        """The query string that keeps this choice (for the next page's link)."""
        parts = [f"sort={self.sort}"] if self.sort == "votes" else []
        if self.status:
            parts.append(f"status={self.status}")
        return "&".join(parts)


def choice(params: Mapping[str, str]) -> Choice:
    """The order and filter a category page asks for; anything unknown means the default."""
    sort = "votes" if params.get("sort", "") == "votes" else "latest"
    status = params.get("status", "")
    if status != NO_STATUS and status not in STATUSES:
        status = ""
    return Choice(sort, status)


async def category_listing(category: Category, params: Mapping[str, str]) -> ThreadList | None:
    """An ideas category's page by votes or by status; None for its default (latest first,
    with pinned threads), which threads lists itself."""
    chosen = choice(params)
    cursor = params.get("after")
    if chosen.sort == "votes":
        return await top_voted(category, cursor, chosen.status or None)
    if chosen.status:
        return await latest_with_status(category, chosen.status, cursor)
    return None


async def top_without_status(limit: int = 10) -> list[Thread]:
    """The most voted ideas staff have not answered yet, over every ideas category (for the
    manager's dashboard): the top of each category's index, merged."""
    found: list[Thread] = []
    for category in await Category.filter(kind="ideas", archived=False):
        found += (await top_voted(category, status=NO_STATUS, limit=limit)).threads
    found.sort(key=lambda thread: (-thread.idea.vote_count, -thread.id))
    return found[:limit]
