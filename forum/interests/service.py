"""Interests and the personal front page: the categories and tags a member follows (chosen at
the welcome step or in settings), the "For you" list built from them and from what the member
does, and the Top list everyone sees.

Following is the notifications feature's "tracking" level (or "watching", which is more):
this module changes levels only through forum.notifications.service. Every part of "For you"
is one bounded, indexed read (see `for_you`), so the list costs the same with a million posts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from forum import db
from forum.accounts import service as accounts
from forum.accounts.models import User
from forum.forms import positive_ids
from forum.i18n import gettext as _
from forum.notifications import service as notifications
from forum.notifications.models import MUTED, NORMAL, TRACKING, ThreadWatch
from forum.threads import service as threads
from forum.threads import tags as tagging
from forum.threads.models import Category, Like, Post, Tag, Thread, ThreadTag

# Following a category or a tag is tracking it; watching it counts as following too.
FOLLOWING = TRACKING


def now() -> datetime:
    return datetime.now(UTC)


# --- What a member follows


@dataclass
class Interests:
    # id -> the member's level, as notifications keep them.
    categories: dict[int, int] = field(default_factory=dict)
    tags: dict[int, int] = field(default_factory=dict)

    def followed_categories(self) -> list[int]:
        return sorted(c for c, level in self.categories.items() if level >= FOLLOWING)

    def followed_tags(self) -> list[int]:
        return sorted(t for t, level in self.tags.items() if level >= FOLLOWING)

    def muted_categories(self) -> set[int]:
        return {c for c, level in self.categories.items() if level == MUTED}

    def muted_tags(self) -> set[int]:
        return {t for t, level in self.tags.items() if level == MUTED}

    def follows_something(self) -> bool:
        return bool(self.followed_categories() or self.followed_tags())


async def interests_of(user: User) -> Interests:
    return Interests(*await notifications.category_and_tag_levels(user.id))


async def choices() -> tuple[list[Category], list[Tag]]:
    """What a member can follow: the open categories and every tag."""
    return await threads.categories(), await tagging.all_tags()


async def follow(user: User, category_ids: list[str], tag_slugs: list[str]) -> Interests:
    """Follow exactly the ticked categories and tags (of those offered): a ticked one is
    tracked unless already watched; an unticked one that was followed goes back to normal; a
    muted one stays muted unless ticked."""
    categories, tags = await choices()
    ticked_categories = set(positive_ids(category_ids))
    ticked_tags = set(tag_slugs)
    current = await interests_of(user)
    async with in_transaction():
        for category in categories:
            ticked = category.id in ticked_categories
            level = _new_level(current.categories.get(category.id), ticked)
            if level is not None:
                await notifications.set_category_level(user, category.id, level)
                current.categories[category.id] = level
        for tag in tags:
            level = _new_level(current.tags.get(tag.id), tag.slug in ticked_tags)
            if level is not None:
                await notifications.set_tag_level(user, tag.id, level)
                current.tags[tag.id] = level
    return current


def _new_level(level: int | None, ticked: bool) -> int | None:
    """The level after the form, or None when it stays as it is."""
    level = NORMAL if level is None else level
    if ticked and level < FOLLOWING:
        return FOLLOWING
    if not ticked and level >= FOLLOWING:
        return NORMAL
    return None


async def welcome(
    user: User, category_ids: list[str], tag_slugs: list[str], bio: str = ""
) -> Interests:
    """The welcome step: follow what was ticked and, when given, a few words for the profile
    (with a followed category, that completes the "Welcome" badge)."""
    async with in_transaction():
        chosen = await follow(user, category_ids, tag_slugs)
        if bio.strip():
            await accounts.update_profile(
                user, display_name=user.display_name, bio=bio, website=user.website,
                language=user.language, timezone=user.timezone,
            )  # fmt: skip
    return chosen


# --- For you

# "New and active" threads in followed categories and tags: activity in the last two weeks.
ACTIVE_DAYS = 14
FOLLOWED_ROWS = 20
# Tag rows read (newest activity first) before the threads are loaded; a thread carrying
# several followed tags comes once per tag.
TAG_ROWS = 60
# The member's latest replies and likes (over 90 days) that "similar threads" start from.
SOURCE_DAYS = 90
SOURCE_THREADS = 10
SIMILAR_ROWS = 8
# Unanswered questions: support threads of the last 30 days with no reply and no solution, in
# categories where the member's answers were accepted (found among their latest 500 posts).
UNANSWERED_DAYS = 30
UNANSWERED_ROWS = 5
ANSWER_HISTORY = 500

# Why a thread is in the list, most telling first: a thread found twice says the first.
REASONS = ("answered", "category", "tag", "replied", "liked", "engaged")


@dataclass
class Pick:
    thread: Thread
    reason: str
    # The followed category's or tag's name, for "category" and "tag".
    name: str = ""

    @property
    def why(self) -> str:
        if self.reason == "answered":
            return _("An unanswered question where your answers were accepted before")
        if self.reason == "category":
            return _("In %(category)s, a category you follow") % {"category": self.name}
        if self.reason == "tag":
            return _("Tagged %(tag)s, a tag you follow") % {"tag": self.name}
        if self.reason == "replied":
            return _("Similar to threads you replied to")
        if self.reason == "liked":
            return _("Similar to threads you liked")
        return _("Similar to threads you replied to or liked")


@dataclass
class ForYou:
    picks: list[Pick]
    # Whether the member follows any category or tag (if not, the page asks them to choose).
    follows: bool


def _visible() -> dict[str, object]:
    return {"deleted_at__isnull": True, "held": False, "category__archived": False}


async def for_you(user: User, interests: Interests | None = None) -> ForYou:
    """The member's list: (a) new and active threads in the categories and tags they follow,
    (b) threads like those they recently replied to or liked, (c) unanswered questions in
    support categories where their answers were accepted; merged, each thread once with its
    reason, muted categories, tags and threads left out, newest activity first.

    Each part is one bounded read on an index: (a) thread (category_id, last_posted_at) and
    thread_tag (tag_id, last_posted_at) over two weeks, (b) post (author_id, created_at) and
    likes (user_id, created_at), then the search index, (c) the member's latest posts by
    (author_id, created_at) and thread (category_id, created_at) over 30 days. Nothing grows
    with the forum's size, only with the member's choices (a handful of ids)."""
    interests = interests or await interests_of(user)
    found: dict[int, Pick] = {}

    def add(thread: Thread, reason: str, name: str = "") -> None:
        known = found.get(thread.id)
        if known is None or REASONS.index(reason) < REASONS.index(known.reason):
            found[thread.id] = Pick(thread, reason, name)

    for thread in await _unanswered(user):
        add(thread, "answered")
    since = now() - timedelta(days=ACTIVE_DAYS)
    if followed := interests.followed_categories():
        for thread in await _rows(
            Thread.filter(category_id__in=followed, last_posted_at__gte=since, **_visible())
            .exclude(author_id=user.id)
            .order_by("-last_posted_at", "-id")
            .limit(FOLLOWED_ROWS)
        ):
            add(thread, "category", thread.category.name)
    slugs: dict[int, str] = {}
    if followed_tags := interests.followed_tags():
        slugs = await tagging.slugs_by_id()
        followed_slugs = [slugs[t] for t in followed_tags if t in slugs]
        recent = (
            ThreadTag.filter(tag_id__in=followed_tags, last_posted_at__gte=since)
            .order_by("-last_posted_at", "-thread_id")
            .limit(TAG_ROWS)
            .values("thread_id")
        )
        rows = await _rows(
            Thread.filter(id__in=Subquery(recent), **_visible())
            .exclude(author_id=user.id)
            .order_by("-last_posted_at", "-id")
            .limit(FOLLOWED_ROWS)
        )
        for thread in rows:
            slug = next((s for s in thread.tags.split() if s in followed_slugs), "")
            add(thread, "tag", tagging.name_of(slug))
    for thread, reason in await _similar(user):
        add(thread, reason)
    picks = await _without_muted(user, interests, list(found.values()), slugs)
    picks.sort(key=lambda pick: (pick.thread.last_posted_at, pick.thread.id), reverse=True)
    return ForYou(picks, interests.follows_something())


def _related(query: QuerySet[Thread]) -> QuerySet[Thread]:
    """What a thread row shows, fetched in the same query."""
    return query.select_related("category", "author", "last_poster")


async def _rows(chosen: QuerySet[Thread]) -> list[Thread]:
    """The threads a narrow query chooses (filtered, sorted and limited on an index alone),
    read with what their rows show, in one statement. Sorting the joined rows instead would
    sort thousands of wide rows to keep twenty: a hundred times slower on a big forum."""
    return await _related(Thread.filter(id__in=Subquery(chosen.values("id"))))


async def _unanswered(user: User) -> list[Thread]:
    """Support questions nobody answered yet, in categories where the member's answers to
    others' questions were accepted."""
    rows = await db.fetch(
        "SELECT DISTINCT t.category_id FROM (SELECT id, thread_id FROM post WHERE author_id = ?"
        f" ORDER BY created_at DESC LIMIT {ANSWER_HISTORY}) p"
        " JOIN thread t ON t.id = p.thread_id AND t.solution_post_id = p.id"
        " WHERE t.author_id <> ?",
        user.id, user.id,
    )  # fmt: skip
    categories = [row["category_id"] for row in rows]
    if not categories:
        return []
    return await _rows(
        Thread.filter(
            category_id__in=categories,
            category__kind="support",
            created_at__gte=now() - timedelta(days=UNANSWERED_DAYS),
            reply_count=0,
            solution_post_id__isnull=True,
            **_visible(),
        )  # fmt: skip
        .exclude(author_id=user.id)
        .order_by("-created_at", "-id")
        .limit(UNANSWERED_ROWS)
    )


async def _similar(user: User) -> list[tuple[Thread, str]]:
    """Threads like the ones the member recently replied to or liked (the search feature finds
    them), with which of the two led there."""
    since = now() - timedelta(days=SOURCE_DAYS)
    replied = await (
        Post.filter(author_id=user.id, number__gt=1, created_at__gte=since)
        .order_by("-created_at")
        .limit(SOURCE_THREADS * 3)
        .values_list("thread_id", flat=True)
    )
    liked = await (
        Like.filter(user_id=user.id, created_at__gte=since)
        .order_by("-created_at")
        .limit(SOURCE_THREADS * 3)
        .values_list("post__thread_id", flat=True)
    )
    replied = list(dict.fromkeys(replied))
    liked = list(dict.fromkeys(liked))
    # Half from each when there are both, so neither crowds the other out.
    half = SOURCE_THREADS // 2
    sources = list(dict.fromkeys(replied[:half] + liked + replied))[:SOURCE_THREADS]
    if not sources:
        return []
    from_replies, from_likes = bool(set(sources) & set(replied)), bool(set(sources) & set(liked))
    # The search feature ranks threads by the words of these ones' titles.
    from forum.search.service import related_threads

    ids = await related_threads(sources, SIMILAR_ROWS)
    if not ids:
        return []
    reason = "engaged" if from_replies and from_likes else "replied" if from_replies else "liked"
    rows = await _related(Thread.filter(id__in=ids, **_visible()).exclude(author_id=user.id))
    return [(thread, reason) for thread in rows]


async def _without_muted(
    user: User, interests: Interests, picks: list[Pick], slugs: dict[int, str]
) -> list[Pick]:
    """Leave out threads in muted categories, carrying a muted tag, or muted themselves."""
    muted_categories = interests.muted_categories()
    if muted_tags := interests.muted_tags():
        slugs = slugs or await tagging.slugs_by_id()
    muted_slugs = {slugs[t] for t in muted_tags if t in slugs}
    picks = [
        pick for pick in picks
        if pick.thread.category_id not in muted_categories
        and not muted_slugs.intersection(pick.thread.tags.split())
    ]  # fmt: skip
    if not picks:
        return []
    muted_threads = set(
        await ThreadWatch.filter(
            user_id=user.id, thread_id__in=[pick.thread.id for pick in picks], level=MUTED
        ).values_list("thread_id", flat=True)
    )
    return [pick for pick in picks if pick.thread.id not in muted_threads]


# --- Top: the period's threads by likes, then replies. The same for everyone, so each process
# keeps the ranking (thread ids) for a while; a request then reads those threads by id.

PERIODS = {"day": 1, "week": 7, "month": 30, "year": 365, "all": None}
DEFAULT_PERIOD = "week"
TOP_ROWS = 50
# How long each period's ranking is kept: a day's changes show within a minute.
TOP_CACHE_SECONDS = {"day": 60.0, "week": 300.0, "month": 600.0, "year": 900.0, "all": 900.0}
_top_cache: dict[str, tuple[float, list[int]]] = {}


def forget() -> None:
    """Rank again on next use (between tests)."""
    _top_cache.clear()


# Periods this long hold most of a forum's threads: one sequential read of the thread table
# beats visiting nearly every row through the created_at index in its order.
SCANNED_PERIODS = ("year", "all")


async def _ranking(period: str) -> list[int]:
    cached = _top_cache.get(period)
    if cached and time.monotonic() - cached[0] < TOP_CACHE_SECONDS[period]:
        return cached[1]
    days = PERIODS[period]
    # SQLite takes the hint; PostgreSQL's planner chooses by its statistics.
    hint = " NOT INDEXED" if period in SCANNED_PERIODS and db.dialect() == "sqlite" else ""
    rows = await db.fetch(
        f"SELECT t.id FROM thread t{hint} JOIN category c ON c.id = t.category_id"
        " WHERE t.deleted_at IS NULL AND t.held = ? AND c.archived = ?"
        + (" AND t.created_at >= ?" if days else "")
        + f" ORDER BY t.like_count DESC, t.reply_count DESC, t.id DESC LIMIT {TOP_ROWS}",
        False, False, *([now() - timedelta(days=days)] if days else []),
    )  # fmt: skip
    ids = [row["id"] for row in rows]
    _top_cache[period] = (time.monotonic(), ids)
    return ids


async def top_threads(period: str) -> list[Thread]:
    """The period's most liked threads (then most replied), best first."""
    ids = await _ranking(period)
    if not ids:
        return []
    # Read again by id: a thread deleted or held since the ranking drops out at once.
    rows = await _related(Thread.filter(id__in=ids, **_visible()))
    by_id = {thread.id: thread for thread in rows}
    return [by_id[i] for i in ids if i in by_id]
