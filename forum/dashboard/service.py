"""The community manager's numbers: how fast the community answers, and how healthy it is.

Every figure comes from indexed reads over a bounded period (threads, posts and members by
created_at), so the dashboard costs the same on a young forum and on one with a million posts.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from forum import db
from forum.accounts.models import User
from forum.moderation.models import Flag
from forum.moderation.service import queue_count
from forum.threads.models import Thread

PERIODS = (7, 30, 90)
CHART_DAYS = 30
UNANSWERED_LIMIT = 20


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Response:
    """Time to first reply (and to first staff reply) for threads started in a period."""

    days: int
    threads: int
    answered: int
    median: timedelta | None
    p90: timedelta | None
    staff_answered: int
    staff_median: timedelta | None
    staff_p90: timedelta | None


def _quantiles(waits: list[timedelta]) -> tuple[timedelta | None, timedelta | None]:
    if not waits:
        return None, None
    seconds = sorted(wait.total_seconds() for wait in waits)
    p90 = seconds[min(len(seconds) - 1, int(len(seconds) * 0.9))]
    return timedelta(seconds=statistics.median(seconds)), timedelta(seconds=p90)


async def response_times(days: int) -> Response:
    since = now() - timedelta(days=days)
    rows = await Thread.filter(
        created_at__gte=since, deleted_at__isnull=True, held=False
    ).values_list("created_at", "first_reply_at", "first_staff_reply_at")
    replies = [first - created for created, first, _ in rows if first]
    staff = [first - created for created, _, first in rows if first]
    median, p90 = _quantiles(replies)
    staff_median, staff_p90 = _quantiles(staff)
    return Response(days, len(rows), len(replies), median, p90, len(staff), staff_median, staff_p90)


async def unanswered() -> tuple[list[Thread], list[Thread]]:
    """Threads nobody answered yet, and support questions staff have not answered; oldest first."""
    open_threads = Thread.filter(deleted_at__isnull=True, held=False, locked=False)
    nobody = await (
        open_threads.filter(first_reply_at__isnull=True)
        .order_by("created_at")
        .limit(UNANSWERED_LIMIT)
        .select_related("category", "author")
    )
    no_staff = await (
        open_threads.filter(first_staff_reply_at__isnull=True, category__kind="support")
        .order_by("created_at")
        .limit(UNANSWERED_LIMIT)
        .select_related("category", "author")
    )
    return nobody, no_staff


@dataclass
class Day:
    day: date
    posts: int = 0
    threads: int = 0
    members: int = 0


async def _per_day(
    table: str, since: datetime, where: str = "", *params: object
) -> dict[date, int]:
    rows = await db.fetch(
        f'SELECT date("created_at") AS day, count(*) AS n FROM "{table}" '
        f'WHERE "created_at" >= ? {where} GROUP BY date("created_at")',
        since,
        *params,
    )
    counts = {}
    for row in rows:
        day = row["day"]
        counts[day if isinstance(day, date) else date.fromisoformat(str(day))] = row["n"]
    return counts


async def activity(days: int = CHART_DAYS) -> list[Day]:
    """Posts, new threads and new members per day, oldest day first."""
    start = (now() - timedelta(days=days - 1)).date()
    since = datetime(start.year, start.month, start.day, tzinfo=UTC)
    posts = await _per_day("post", since, 'AND "held" = ? AND "deleted_at" IS NULL', False)
    threads = await _per_day("thread", since, 'AND "deleted_at" IS NULL')
    members = await _per_day("users", since)
    return [
        Day(day, posts.get(day, 0), threads.get(day, 0), members.get(day, 0))
        for day in (start + timedelta(days=n) for n in range(days))
    ]


@dataclass
class Health:
    days: int
    members: int
    new_members: int
    active_members: int
    members_with_solution: int
    flags: dict[str, int] = field(default_factory=dict)
    queue: int = 0


async def health(days: int = 30) -> Health:
    """The journey funnel and the state of moderation over a period."""
    since = now() - timedelta(days=days)
    posters = await db.fetch(
        'SELECT count(DISTINCT "author_id") AS n FROM "post" WHERE "created_at" >= ?', since
    )
    likers = await db.fetch(
        'SELECT count(DISTINCT "user_id") AS n FROM "likes" WHERE "created_at" >= ? '
        'AND "user_id" NOT IN (SELECT DISTINCT "author_id" FROM "post" WHERE "created_at" >= ?)',
        since,
        since,
    )
    solvers = await db.fetch(
        'SELECT count(DISTINCT p."author_id") AS n FROM "thread" t '
        'JOIN "post" p ON p."id" = t."solution_post_id"'
    )
    flags: dict[str, int] = {"open": 0, "upheld": 0, "dismissed": 0}
    for resolution in await Flag.filter(created_at__gte=since).values_list("resolution", flat=True):
        flags[resolution or "open"] = flags.get(resolution or "open", 0) + 1
    return Health(
        days=days,
        members=await User.all().count(),
        new_members=await User.filter(created_at__gte=since).count(),
        active_members=posters[0]["n"] + likers[0]["n"],
        members_with_solution=solvers[0]["n"],
        flags=flags,
        queue=await queue_count(),
    )


def csv_rows(days: list[Day]) -> list[list[str]]:
    return [["day", "posts", "new_threads", "new_members"]] + [
        [d.day.isoformat(), str(d.posts), str(d.threads), str(d.members)] for d in days
    ]
