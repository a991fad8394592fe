"""What the editors' board, the public blog, its feed and the dashboard read about guest posts.

Each function costs a fixed number of queries, whatever the number of posts; the rules of the
workflow stay in `forum.blog.service`.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html import escape
from typing import Any

from babel.dates import format_skeleton
from tortoise.functions import Max

from forum import i18n
from forum.accounts.models import User
from forum.blog import service
from forum.blog.models import GuestPost, GuestPostStep
from forum.i18n import gettext as _

# The board's columns in the order work moves through them; the finished ones come last.
BOARD_ORDER = (
    "pitched", "invited", "accepted", "drafting", "submitted", "in_review", "changes_requested",
    "approved", "scheduled", "published", "unpublished", "declined", "expired", "withdrawn",
    "rejected",
)  # fmt: skip
# Nothing more happens to these unless an editor acts: the board folds them away.
FINISHED = ("published", "unpublished", "declined", "expired", "withdrawn", "rejected")
# The author is writing in these; past the due date the draft is late.
WRITING = ("accepted", "drafting", "changes_requested")
POSTS_PER_PAGE = 10
FEED_ITEMS = 30
# Months of published posts on the dashboard.
DASHBOARD_MONTHS = 6


def now() -> datetime:
    return datetime.now(UTC)


# --- The editors' board


def overdue(post: GuestPost, at: datetime | None = None) -> bool:
    """An invitation not yet accepted, or a draft not yet submitted, past its due date."""
    if post.due_at is None or post.state not in ("invited", *WRITING):
        return False
    return post.due_at <= (at or now())


def due_date(post: GuestPost) -> date | None:
    """The day the author was asked to finish by (stored as the moment that day ends, UTC)."""
    return (post.due_at - timedelta(days=1)).date() if post.due_at else None


@dataclass
class Column:
    state: str
    label: str
    finished: bool
    posts: list[GuestPost] = field(default_factory=list)
    overdue: set[int] = field(default_factory=set)


async def board(at: datetime | None = None) -> list[Column]:
    """Every guest post, by state in workflow order, the longest waiting in its state first
    (one query; empty states are left out)."""
    at = at or now()
    columns = {state: Column(state, service.state_label(state), state in FINISHED)
               for state in BOARD_ORDER}  # fmt: skip
    rows = await GuestPost.all().order_by("state_changed_at", "id").select_related("author")
    for post in rows:
        column = columns[post.state]
        column.posts.append(post)
        if overdue(post, at):
            column.overdue.add(post.id)
    return [column for column in columns.values() if column.posts]


async def post_for_editors(post_id: int) -> GuestPost | None:
    return await GuestPost.filter(id=post_id).select_related("author").first()


# --- The blog


async def published_count() -> int:
    return await GuestPost.filter(state="published").count()


async def published_page(page: int) -> list[GuestPost]:
    """One page of the blog, newest first, with the authors."""
    return (
        await GuestPost.filter(state="published")
        .order_by("-published_at", "-id")
        .offset((page - 1) * POSTS_PER_PAGE)
        .limit(POSTS_PER_PAGE)
        .select_related("author")
    )


async def published_by_slug(slug: str) -> GuestPost | None:
    """A post readers may see: published, and only while it is."""
    return await GuestPost.filter(slug=slug, state="published").first()


async def tiers(authors: list[User]) -> dict[int, str]:
    """Each author's tier name, for a page of posts (one query; the rules are cached)."""
    from forum.advocacy import service as advocacy

    rows = await advocacy.standings([author.id for author in authors])
    return {author.id: advocacy.tier_label(await advocacy.tier_of(rows.get(author.id)))
            for author in authors}  # fmt: skip


async def last_changes(posts: list[GuestPost]) -> dict[int, datetime]:
    """When each post last changed on the blog: published again, or corrected."""
    if not posts:
        return {}
    ids = [post.id for post in posts]
    rows = (
        await GuestPostStep.filter(post_id__in=ids, action__in=("publish", "correct"))
        .group_by("post_id")
        .annotate(last=Max("created_at"))
        .values("post_id", "last")
    )
    return {row["post_id"]: _aware(row["last"]) for row in rows if row["last"]}


def _aware(value: Any) -> datetime:
    # An aggregate comes back as the database wrote it; SQLite gives text.
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def blog_feed() -> Any:
    """The blog's newest posts as a `Feed` (forum.feeds.documents writes it)."""
    from forum.feeds.service import EMPTY_FEED_UPDATED, Entry, Feed, absolute, absolute_links
    from forum.site import models as site

    posts = (
        await GuestPost.filter(state="published")
        .order_by("-published_at", "-id")
        .limit(FEED_ITEMS)
        .select_related("author")
    )
    changed = await last_changes(posts)
    entries = []
    for post in posts:
        content = absolute_links(post.html)
        if cover := service.cover_url(post):
            picture = f'<p><img src="{escape(absolute(cover))}" alt=""></p>'
            content = picture + content
        address = absolute(f"/blog/{post.slug}")
        entries.append(Entry(
            id=address, title=post.title, link=address, author=post.author.name,
            author_link=absolute(post.author.url), published=post.published_at,
            updated=max(post.published_at, changed.get(post.id, post.published_at)),
            html=content, category=_("Blog"),
        ))  # fmt: skip
    names = {"community": (await site.get_all())["name"]}
    return Feed(
        "/feeds/blog", _("The %(community)s blog") % names,
        _("Guest posts by members of %(community)s.") % names, absolute("/blog"),
        i18n.current_language(), entries,
        max((entry.updated for entry in entries), default=EMPTY_FEED_UPDATED),
    )  # fmt: skip


# --- The dashboard


@dataclass
class Figures:
    days: int
    invitations: int
    # Invitations the author answered (accepted or declined) and those accepted, all time.
    answered: int
    accepted: int
    # From invitation to first publication, the median over every invited post published.
    median_to_publication: timedelta | None
    # (first day of the month, its label, guest posts first published in it), oldest first.
    per_month: list[tuple[date, str, int]]

    @property
    def acceptance_rate(self) -> int | None:
        return round(100 * self.accepted / self.answered) if self.answered else None

    @property
    def median_days(self) -> float | None:
        wait = self.median_to_publication
        return round(wait.total_seconds() / 86400, 1) if wait is not None else None


async def figures(days: int = 30, at: datetime | None = None) -> Figures:
    """Invitations sent in the period, how many are accepted, how long publication takes, and
    the guest posts published each month of the last six (four queries)."""
    at = at or now()
    since = at - timedelta(days=days)
    invitations = await GuestPostStep.filter(action="invite", created_at__gte=since).count()
    states = await GuestPost.filter(invited_by_id__isnull=False).values_list("state", flat=True)
    answered = [state for state in states if state not in ("invited", "expired")]
    waits = [
        published - invited
        for invited, published in await GuestPost.filter(
            invited_by_id__isnull=False, published_at__isnull=False
        ).values_list("created_at", "published_at")
    ]
    months = _months(at.date(), DASHBOARD_MONTHS)
    counts = dict.fromkeys(months, 0)
    start = datetime(months[0].year, months[0].month, 1, tzinfo=UTC)
    for moment in await GuestPost.filter(published_at__gte=start).values_list(
        "published_at", flat=True
    ):
        first = moment.astimezone(UTC).date().replace(day=1)
        if first in counts:
            counts[first] += 1
    language = i18n.current_language()
    return Figures(
        days=days, invitations=invitations, answered=len(answered),
        accepted=len([state for state in answered if state != "declined"]),
        median_to_publication=statistics.median(waits) if waits else None,
        per_month=[(month, format_skeleton("yMMM", month, locale=language), counts[month])
                   for month in months],
    )  # fmt: skip


def _months(today: date, count: int) -> list[date]:
    """The first days of the last `count` months, this one included, oldest first."""
    year, month = today.year, today.month
    found = []
    for _step in range(count):
        found.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return found[::-1]
