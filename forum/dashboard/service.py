"""The community manager's numbers: how fast the community answers, and how healthy it is.

Every figure comes from indexed reads over a bounded period (threads, posts and members by
created_at), so the dashboard costs the same on a young forum and on one with a million posts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from forum import db
from forum.accounts.models import User
from forum.advocacy.models import Standing
from forum.advocacy.service import ADVOCATE_TIERS
from forum.blog import board as blog_board
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


async def response_times() -> list[Response]:
    """For each period: threads started, how many were answered, and how fast. The database
    returns a histogram of waits in whole minutes per period, not one row per thread."""
    moments = [now() - timedelta(days=days) for days in PERIODS]
    period = (
        "CASE "
        + " ".join(f'WHEN "created_at" >= ? THEN {days}' for days in PERIODS[:-1])
        + f" ELSE {PERIODS[-1]} END"
    )
    results = {days: Response(days, 0, 0, None, None, 0, None, None) for days in PERIODS}
    waits: dict[str, dict[int, dict[int, int]]] = {"reply": {}, "staff": {}}
    for kind, column in (("reply", "first_reply_at"), ("staff", "first_staff_reply_at")):
        # Rounded, not truncated: SQLite's julianday arithmetic is off by microseconds.
        wait = f"({db.epoch(column)} - {db.epoch('created_at')}) / 60"
        minutes = f"CAST(ROUND({wait}) AS INTEGER)"
        rows = await db.fetch(
            f"SELECT {period} AS period, {minutes} AS minutes, count(*) AS n FROM \"thread\" "
            'WHERE "created_at" >= ? AND "deleted_at" IS NULL AND "held" = ? GROUP BY 1, 2',
            *moments[:-1], moments[-1], False,
        )  # fmt: skip
        for row in rows:
            buckets = waits[kind].setdefault(int(row["period"]), {})
            key = -1 if row["minutes"] is None else int(row["minutes"])
            buckets[key] = buckets.get(key, 0) + int(row["n"])
    for index, days in enumerate(PERIODS):
        # A thread started within 7 days also counts for 30 and 90.
        included = PERIODS[: index + 1]
        reply = _merge(waits["reply"], included)
        staff = _merge(waits["staff"], included)
        result = results[days]
        result.threads = sum(reply.values())
        result.answered = result.threads - reply.get(-1, 0)
        result.median, result.p90 = _histogram_quantiles(reply)
        result.staff_answered = sum(staff.values()) - staff.get(-1, 0)
        result.staff_median, result.staff_p90 = _histogram_quantiles(staff)
    return [results[days] for days in PERIODS]


def _merge(by_period: dict[int, dict[int, int]], periods: tuple[int, ...]) -> dict[int, int]:
    merged: dict[int, int] = {}
    for days in periods:
        for minutes, count in by_period.get(days, {}).items():
            merged[minutes] = merged.get(minutes, 0) + count
    return merged


def _histogram_quantiles(buckets: dict[int, int]) -> tuple[timedelta | None, timedelta | None]:
    """Median and 90th percentile of answered waits (bucket -1 holds the unanswered)."""
    answered = sorted((minutes, n) for minutes, n in buckets.items() if minutes >= 0)
    total = sum(n for _, n in answered)
    if not total:
        return None, None

    def at(rank: int) -> timedelta:
        seen = 0
        for minutes, n in answered:
            seen += n
            if seen > rank:
                return timedelta(minutes=minutes)
        return timedelta(minutes=answered[-1][0])

    return at((total - 1) // 2), at(min(total - 1, int(total * 0.9)))


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
    # Members in the Advocate or Champion tier now, and those who reached it in the period.
    advocates: int = 0
    new_advocates: int = 0
    # Replies to others' questions in support categories: by staff, advocates, other members.
    support_answers: dict[str, int] = field(default_factory=dict)
    # Invitations, acceptance, time to publication and posts per month (forum/blog/board.py).
    guest_posts: blog_board.Figures | None = None

    def share(self, group: str) -> int:
        """A group's share of the support answers, in whole per cent."""
        total = sum(self.support_answers.values())
        return round(100 * self.support_answers.get(group, 0) / total) if total else 0


async def health(days: int = 30) -> Health:
    """The journey funnel and the state of moderation over a period."""
    since = now() - timedelta(days=days)
    active = await db.fetch(
        'SELECT count(*) AS n FROM (SELECT "author_id" FROM "post" WHERE "created_at" >= ? '
        'UNION SELECT "user_id" FROM "likes" WHERE "created_at" >= ?) AS active',
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
    advocate_tiers = list(ADVOCATE_TIERS)
    answers = await db.fetch(
        "SELECT CASE WHEN u.role <> 'member' THEN 'staff'"
        " WHEN s.tier IN (?, ?) THEN 'advocates' ELSE 'members' END AS grp, count(*) AS n"
        " FROM post p JOIN thread t ON t.id = p.thread_id"
        " JOIN category c ON c.id = t.category_id JOIN users u ON u.id = p.author_id"
        " LEFT JOIN standing s ON s.user_id = p.author_id"
        " WHERE c.kind = 'support' AND p.number > 1 AND p.created_at >= ?"
        " AND p.deleted_at IS NULL AND p.author_id <> t.author_id GROUP BY grp",
        *advocate_tiers, since,
    )  # fmt: skip
    return Health(
        advocates=await Standing.filter(tier__in=advocate_tiers).count(),
        new_advocates=await Standing.filter(tier__in=advocate_tiers, tier_since__gte=since).count(),
        support_answers={row["grp"]: row["n"] for row in answers},
        days=days,
        members=await User.filter(deleted_at__isnull=True).count(),
        new_members=await User.filter(created_at__gte=since, deleted_at__isnull=True).count(),
        active_members=active[0]["n"],
        members_with_solution=solvers[0]["n"],
        flags=flags,
        queue=await queue_count(),
        guest_posts=await blog_board.figures(days),
    )


def csv_rows(days: list[Day]) -> list[list[str]]:
    return [["day", "posts", "new_threads", "new_members"]] + [
        [d.day.isoformat(), str(d.posts), str(d.threads), str(d.members)] for d in days
    ]
