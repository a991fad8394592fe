"""Notifications: who is told what, watching levels, preferences, and the e-mails they cause.

Listeners (forum/notifications/listeners.py) call `notify` inside the action's transaction; an
e-mail for a notification is only queued later (`mail_due_notifications`, run by the worker),
so one the member has already read on the site is never mailed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.expressions import Subquery
from tortoise.transactions import in_transaction

from forum import db, markup
from forum.accounts.models import User
from forum.forms import Invalid, integer
from forum.i18n import gettext as _
from forum.i18n import ngettext
from forum.mail import service as mail
from forum.mail.models import OutboxMessage
from forum.notifications.models import (
    CANNOT_SWITCH_OFF,
    CHANNELS,
    DIGESTS,
    EMAIL_BY_DEFAULT,
    LEVELS,
    MUTED,
    NORMAL,
    TOPICS,
    TRACKING,
    UNSET,
    WATCHING,
    CategoryWatch,
    Notification,
    Preference,
    TagWatch,
    ThreadWatch,
)
from forum.site import models as site
from forum.threads.models import Post, Thread, ThreadTag

# A member may mail themselves fewer notifications a day than the community's cap.
DAILY_CAPS = ("1", "3", "5", "10")
# An unread notification is mailed after this long, so reading it on the site first stops it.
EMAIL_DELAY = timedelta(minutes=10)
PAGE_SIZE = 30

# Each kind of notification, and the topic a member chooses its channel by.
KIND_TOPIC = {
    "reply": "reply", "quote": "quote", "mention": "mention", "thread": "thread",
    "like": "like", "solved": "solved", "accepted": "solved",
    "post_hidden": "moderation", "post_auto_hidden": "moderation",
    "post_deleted": "moderation", "post_edited": "moderation",
    "post_rejected": "moderation", "post_approved": "moderation",
    "flag_upheld": "flag", "flag_dismissed": "flag", "badge": "badge",
    "tag_thread": "thread",
    "poll_closed": "poll", "poll_follow_up": "poll",
    **{f"idea_{status}": "idea_status" for status in (
        "under_review", "planned", "in_progress", "done", "declined",
    )},
    **{f"gp_{action}": "guest_post" for action in (
        "invite", "pitch", "accept", "decline", "expire", "submit", "request_changes", "approve",
        "schedule", "publish", "reject", "withdraw", "unpublish", "comment", "correction",
    )},
}  # fmt: skip


def now() -> datetime:
    return datetime.now(UTC)


# --- Preferences


def channel(channels: dict[str, str] | None, topic: str) -> str:
    """How the member hears about a topic, given their chosen channels (None: none chosen):
    "email" (and in the forum), "app" or "off"."""
    chosen = channels.get(topic) if channels else None
    if chosen in CHANNELS:
        return chosen
    return "email" if topic in EMAIL_BY_DEFAULT else "app"


async def preference(user: User) -> Preference:
    """The member's preferences (an unsaved row of defaults when they chose nothing yet)."""
    row = await Preference.filter(user_id=user.id).first()
    return row or Preference(user_id=user.id)


async def update_preferences(user: User, form: dict[str, str]) -> Preference:
    row = await preference(user)
    channels = {}
    for topic in TOPICS:
        value = form.get(f"topic_{topic}", "")
        allowed = ("email", "app") if topic in CANNOT_SWITCH_OFF else CHANNELS
        channels[topic] = value if value in allowed else channel(row.channels, topic)
    digest = form.get("digest", "")
    if digest not in DIGESTS:
        raise Invalid({"digest": _("Choose how often to get the digest.")})
    cap = form.get("daily_cap", "")
    if cap and cap not in DAILY_CAPS:
        raise Invalid({"daily_cap": _("Choose how many e-mails a day at most.")})
    row.channels, row.digest = channels, digest
    row.no_email = form.get("no_email") == "1"
    row.daily_cap = int(cap) if cap else None
    await row.save()
    levels = {key.removeprefix("category_"): value for key, value in form.items()
              if key.startswith("category_")}  # fmt: skip
    for category_id, value in levels.items():
        if (category := integer(category_id, 1)) and value in LEVELS:
            await set_category_level(user, category, LEVELS[value])
    return row


async def unsubscribe(token: str) -> tuple[User, str] | None:
    """Stop what an e-mail's unsubscribe link names; None for a bad link."""
    value = mail.unsign("unsubscribe", token)
    if not isinstance(value, list) or len(value) != 2:
        return None
    user_id, topic = value
    user = await User.filter(id=user_id).first()
    if user is None:
        return None
    row = await preference(user)
    if topic == "digest":
        row.digest = "never"
    elif topic in ("all", "winback"):
        row.no_email = True if topic == "all" else row.no_email
        if topic == "winback":
            row.channels = {**row.channels, "winback": "off"}
    elif topic in TOPICS:
        row.channels = {**row.channels, topic: "app"}
    else:
        return None
    await row.save()
    return user, topic


# --- Watching


async def _levels(
    user_id: int, thread: Thread, unread_on: list[int] | None = None
) -> dict[str, Any]:
    """The member's row for a thread (row_id, thread_level, last_read), their category level
    and, given posts (`unread_on`), their unread notifications and whether any is about those
    posts, in one read: every member's thread page."""
    unread, params = "", []
    if unread_on is not None:
        on_page = ", ".join("?" * len(unread_on)) or "NULL"
        unread = (
            ", (SELECT COUNT(*) FROM notification n WHERE n.user_id = ? AND n.read_at IS NULL)"
            " AS unread, EXISTS (SELECT 1 FROM notification n WHERE n.user_id = ?"
            f" AND n.read_at IS NULL AND n.post_id IN ({on_page})) AS on_page"
        )
        params = [user_id, user_id, *unread_on]
    [row] = await db.fetch(
        "SELECT t.id AS row_id, t.level AS thread_level, t.last_read AS last_read,"
        " c.level AS category_level" + unread + " FROM (SELECT 1 AS one) AS one"
        " LEFT JOIN thread_watch t ON t.user_id = ? AND t.thread_id = ?"
        " LEFT JOIN category_watch c ON c.user_id = ? AND c.category_id = ?",
        *params, user_id, thread.id, user_id, thread.category_id,
    )  # fmt: skip
    return row


def effective_level(own: int | None, category: int | None) -> int:
    """A thread's own level, else its category's, else normal (a row that only keeps the read
    position has no level of its own)."""
    if own is not None and own != UNSET:
        return own
    return category if category is not None else NORMAL


async def thread_level(user: Any, thread: Thread) -> int:
    """The member's level for a thread: its own, else the category's, else normal."""
    row = await _levels(user.id, thread)
    return effective_level(row["thread_level"], row["category_level"])


async def set_thread_level(user: User, thread: Thread, level: int) -> None:
    row, created = await ThreadWatch.get_or_create(
        user_id=user.id, thread_id=thread.id,
        defaults={"level": level, "last_read": thread.post_count},
    )  # fmt: skip
    if not created:
        row.level = level
        await row.save(update_fields=["level"])


async def set_category_level(user: User, category_id: int, level: int) -> None:
    await CategoryWatch.update_or_create(
        user_id=user.id, category_id=category_id, defaults={"level": level}
    )


async def watch_as_participant(user_id: int, thread: Thread, number: int) -> None:
    """Starting or replying to a thread watches it (unless the member chose a level; a row
    that only kept their read position has none), and they have read up to their post."""
    await db.execute(
        "INSERT INTO thread_watch (user_id, thread_id, level, last_read) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (user_id, thread_id) DO UPDATE SET"
        " level = CASE WHEN thread_watch.level = ? THEN ? ELSE thread_watch.level END,"
        " last_read = CASE WHEN thread_watch.last_read < ? THEN ? ELSE thread_watch.last_read END",
        user_id, thread.id, WATCHING, number, UNSET, WATCHING, number, number,
    )  # fmt: skip


async def audience(thread: Thread) -> tuple[set[int], set[int]]:
    """Who watches the thread (every post) and who muted it: thread levels over category
    ones, category levels over tag ones. One read of only the rows that can decide: watching
    or muted ones, and other levels only where they override one (a big category has
    thousands of trackers, and a long thread thousands of readers, who decide nothing)."""
    decisive = (MUTED, WATCHING)
    tagged = (
        "SELECT user_id, level FROM tag_watch WHERE level IN (?, ?)"
        " AND tag_id IN (SELECT tag_id FROM thread_tag WHERE thread_id = ?)"
        if thread.tags else "SELECT user_id, level FROM tag_watch WHERE 0 = 1"
    )  # fmt: skip
    tag_params = [*decisive, thread.id] if thread.tags else []
    # A category level other than normal overrides a tag's. Two reads, so the thousands of
    # trackers of a big category are never visited: its watching and muted rows from the
    # index, and the rows of members a tag decides by (member, category).
    categorised = (
        "SELECT user_id, level FROM category_watch WHERE category_id = ? AND level IN (?, ?)"
        # CROSS JOIN: SQLite keeps this order, from the few tag watchers to their rows.
        f" UNION ALL SELECT c.user_id, c.level FROM (SELECT DISTINCT user_id FROM ({tagged})"
        " AS t) AS t CROSS JOIN category_watch c WHERE c.user_id = t.user_id"
        " AND c.category_id = ? AND c.level NOT IN (?, ?, ?)"
    )
    category_params = [thread.category_id, *decisive, *tag_params, thread.category_id,
                       *decisive, NORMAL]  # fmt: skip
    # A thread's own level (not UNSET) overrides both.
    threaded = (
        "SELECT user_id, level FROM thread_watch WHERE thread_id = ? AND (level IN (?, ?)"
        f" OR (level >= ? AND (user_id IN (SELECT user_id FROM ({tagged}) AS t)"
        f" OR user_id IN (SELECT user_id FROM ({categorised}) AS c))))"
    )
    thread_params = [thread.id, *decisive, NORMAL, *tag_params, *category_params]
    rows = await db.fetch(
        f"SELECT 0 AS source, user_id, level FROM ({tagged}) AS g"
        f" UNION ALL SELECT 1 AS source, user_id, level FROM ({categorised}) AS k"
        f" UNION ALL SELECT 2 AS source, user_id, level FROM ({threaded}) AS h",
        *tag_params, *category_params, *thread_params,
    )  # fmt: skip
    levels = _tag_levels((row["user_id"], row["level"]) for row in rows if row["source"] == 0)
    for source in (1, 2):
        levels.update((row["user_id"], row["level"]) for row in rows if row["source"] == source)
    watching = {user for user, level in levels.items() if level == WATCHING}
    muted = {user for user, level in levels.items() if level == MUTED}
    return watching, muted


async def category_audience(category_id: int) -> set[int]:
    return set(
        await CategoryWatch.filter(category_id=category_id, level=WATCHING).values_list(
            "user_id", flat=True
        )
    )


# --- Tags: levels as for categories. Watching a tag tells of every new thread (and post) that
# carries it; tracking (following) brings its threads into the member's "For you" list.


async def set_tag_level(user: User, tag_id: int, level: int) -> None:
    await TagWatch.update_or_create(user_id=user.id, tag_id=tag_id, defaults={"level": level})


async def tag_levels_of(user_id: int) -> dict[int, int]:
    return dict(await TagWatch.filter(user_id=user_id).values_list("tag_id", "level"))


async def category_and_tag_levels(user_id: int) -> tuple[dict[int, int], dict[int, int]]:
    """The member's category levels and tag levels, in one read (the home page asks on every
    visit whether they follow anything)."""
    rows = await db.fetch(
        "SELECT 'c' AS kind, category_id AS id, level FROM category_watch WHERE user_id = ?"
        " UNION ALL SELECT 't' AS kind, tag_id AS id, level FROM tag_watch WHERE user_id = ?",
        user_id, user_id,
    )  # fmt: skip
    categories = {row["id"]: row["level"] for row in rows if row["kind"] == "c"}
    return categories, {row["id"]: row["level"] for row in rows if row["kind"] == "t"}


async def tag_level(user_id: int, tag_id: int) -> int:
    rows = await TagWatch.filter(user_id=user_id, tag_id=tag_id).values_list("level", flat=True)
    return rows[0] if rows else NORMAL


async def tag_audience(thread: Thread) -> dict[int, int]:
    """Members' levels (other than normal) for the thread's tags, one read and none for a
    thread without tags. Over several tags, muting one mutes the thread, else the highest."""
    if not thread.tags:
        return {}
    tagged = ThreadTag.filter(thread_id=thread.id).values("tag_id")
    rows = await (
        TagWatch.filter(tag_id__in=Subquery(tagged))
        .exclude(level=NORMAL)
        .values_list("user_id", "level")
    )
    return _tag_levels(rows)


def _tag_levels(rows: Iterable[tuple[int, int]]) -> dict[int, int]:
    """Each member's level over the thread's tags: muting one mutes the thread, else the
    highest."""
    levels: dict[int, int] = {}
    for user_id, level in rows:
        known = levels.setdefault(user_id, level)
        levels[user_id] = MUTED if MUTED in (known, level) else max(known, level)
    return levels


async def tag_watchers(thread: Thread) -> set[int]:
    """Members watching one of the thread's tags (told of it as a new thread)."""
    return {user for user, level in (await tag_audience(thread)).items() if level == WATCHING}


@dataclass
class Reading:
    """What a member's view of a thread page found and did."""

    # Their level for the thread: its own, else the category's, else normal.
    level: int
    # The last post they had read before this view (0: they had never opened the thread).
    read_before: int
    # Their unread notifications once this view marked its posts' ones read (for the header).
    unread: int


async def read_thread(user: Any, thread: Thread, posts: list[Post]) -> Reading:
    """A member read a page of a thread: their read position moves on (kept for every thread
    they open, in a row with no level of its own when they chose none), and notifications
    about those posts count as read (so they are not mailed). One read; a write only when
    the position moves or a notification is read."""
    row = await _levels(user.id, thread, unread_on=[post.id for post in posts])
    read, unread = row["last_read"] or 0, row["unread"]
    last = posts[-1].number if posts else 0
    if row["row_id"] is None and last:
        # Two tabs opening the thread at once: the second insert is ignored, not an error.
        await ThreadWatch.bulk_create(
            [ThreadWatch(user_id=user.id, thread_id=thread.id, level=UNSET, last_read=last)],
            ignore_conflicts=True,
        )
    elif read < last:
        await ThreadWatch.filter(user_id=user.id, thread_id=thread.id, last_read__lt=last).update(
            last_read=last
        )
    if row["on_page"]:
        await catch_up(user.id, post_ids=[post.id for post in posts])
        unread -= await Notification.filter(
            user_id=user.id, read_at__isnull=True, post_id__in=[post.id for post in posts]
        ).update(read_at=now(), email_due_at=None)
    return Reading(effective_level(row["thread_level"], row["category_level"]), read, unread)


# A first visit shows the threads of the last 2 days as new; a long absence at most 14 days'.
NEW_ON_FIRST_VISIT = timedelta(days=2)
NEW_AT_MOST = timedelta(days=14)
# What new_posts says of a thread started since the member's previous visit, never opened.
NEW = "new"


def new_since(user: Any) -> datetime:
    """Threads started after this moment are new to the member until they open them."""
    moment = now()
    since = getattr(user, "previous_seen_at", None) or moment - NEW_ON_FIRST_VISIT
    return max(since, moment - NEW_AT_MOST)


async def new_posts(user: Any, threads: Iterable[Thread]) -> dict[int, int | str]:
    """For each listed thread the member opened before, how many posts they have not read
    (whatever its level); NEW for one started since their previous visit that they have not
    opened; nothing for muted ones. One read for the whole list."""
    by_id = {thread.id: thread for thread in threads}
    if not getattr(user, "is_authenticated", False) or not by_id:
        return {}
    rows = await db.fetch(
        "SELECT t.id AS thread_id, w.level AS level, w.last_read AS last_read,"
        " c.level AS category_level FROM thread t"
        " LEFT JOIN thread_watch w ON w.thread_id = t.id AND w.user_id = ?"
        " LEFT JOIN category_watch c ON c.category_id = t.category_id AND c.user_id = ?"
        f" WHERE t.id IN ({', '.join('?' * len(by_id))})",
        user.id, user.id, *by_id,
    )  # fmt: skip
    since = new_since(user)
    found: dict[int, int | str] = {}
    for row in rows:
        thread = by_id[row["thread_id"]]
        if effective_level(row["level"], row["category_level"]) == MUTED:
            continue
        if row["level"] is not None:
            if (count := thread.post_count - (row["last_read"] or 0)) > 0:
                found[thread.id] = count
        elif thread.created_at > since and thread.author_id != user.id:
            found[thread.id] = NEW
    return found


# --- Notifications


async def channels_of(members: Iterable[int]) -> dict[int, Any]:
    """Each member's chosen channels (None: none chosen), read with their account's row.

    Writing a notification checks that its member exists (a foreign key), which reads the
    page of their row. Read before a write turn (a reply's preparer), those pages are in the
    file cache when the turn writes: a post telling dozens of members read each from disk
    inside the turn every process waits on, where the cache had dropped them."""
    found: dict[int, Any] = {}
    members = list(members)
    for start in range(0, len(members), FOLD_CHUNK):
        chunk = members[start : start + FOLD_CHUNK]
        # Plain rows: a post in a watched category may tell hundreds.
        for row in await db.fetch(
            "SELECT u.id, p.channels FROM users u"
            " LEFT JOIN notification_preference p ON p.user_id = u.id"
            f" WHERE u.id IN ({', '.join('?' * len(chunk))})",
            *chunk,
        ):
            channels = row["channels"]
            if isinstance(channels, str):  # JSON text, as SQLite and asyncpg give it
                channels = json.loads(channels)
            found[row["id"]] = channels
    return found


async def notify(
    recipients: dict[int, str],
    *,
    actor_id: int | None = None,
    thread_id: int | None = None,
    post_id: int | None = None,
    text: str = "",
    url: str = "",
    channels: dict[int, Any] | None = None,
) -> int:
    """Tell each member (id -> kind) what happened, as each prefers; never the actor.
    `channels`: what channels_of read for them already (before the write turn)."""
    recipients = {user: kind for user, kind in recipients.items() if user != actor_id}
    if not recipients:
        return 0
    if missing := [user for user in recipients if channels is None or user not in channels]:
        channels = {**(channels or {}), **await channels_of(missing)}
    moment = now()
    rows = []
    for user_id, kind in recipients.items():
        how = channel(channels.get(user_id), KIND_TOPIC[kind])
        if how == "off":
            continue
        email_due = moment + EMAIL_DELAY if how == "email" else None
        rows.append((user_id, kind, actor_id, 0, thread_id, post_id, text[:500], url[:300],
                     moment, email_due))  # fmt: skip
    if rows:
        # Plain rows, not model objects: a post in a watched category may tell hundreds.
        await db.execute_many(
            "INSERT INTO notification (user_id, kind, actor_id, others, thread_id, post_id,"
            " text, url, created_at, email_due_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    return len(rows)


# Members per statement when reading rows of many at once, such as who has an unread reply
# notification already (well under every database's parameter limit).
FOLD_CHUNK = 5000
# How long before fold_replies looked a member's "mark read" may have begun and still not
# have been there to see: it stamps read_at with its own clock before it waits for the write
# turn (milliseconds, or seconds under a storm; a minute is far past any).
FOLD_MARGIN = timedelta(minutes=1)


@dataclass(frozen=True)
class Folded:
    """The watchers fold_replies found with an unread "replied in" notification, and when."""

    users: set[int]
    at: datetime


async def fold_replies(watchers: Iterable[int], thread_id: int) -> Folded:
    """The watchers a new post folds into an unread "replied in" notification for the thread
    ("5 new posts in …, the latest by Ana"), as the best forums do: those who have one.

    Nothing is written for them: how many posts and whose the latest is are worked out from
    the thread when the member next sees the notification (`catch_up`). A post in a thread
    hundreds watch then costs one read of an index, not a write per watcher; only those back
    since the last post get a new row, which keeps its link to their first unread post.
    The read may come before the post's transaction: see still_folded."""
    watchers = list(watchers)
    folded = Folded(set(), now())
    for start in range(0, len(watchers), FOLD_CHUNK):
        chunk = watchers[start : start + FOLD_CHUNK]
        # Read those *without* one: after a thread's first post most watchers have one, and
        # the few rows back cost less than hundreds.
        rows = await db.fetch(
            f"SELECT u.id FROM users u WHERE u.id IN ({', '.join('?' * len(chunk))})"
            " AND NOT EXISTS (SELECT 1 FROM notification n WHERE n.thread_id = ?"
            " AND n.read_at IS NULL AND n.kind = 'reply' AND n.user_id = u.id)",
            *chunk, thread_id,
        )  # fmt: skip
        folded.users.update(set(chunk) - {row["id"] for row in rows})
    return folded


async def still_folded(folded: Folded, thread_id: int) -> set[int]:
    """Of the watchers fold_replies found, those who still have an unread "replied in"
    notification for the thread. Call it in the post's transaction: one who read theirs since
    must get a new one, or they would never hear of this post. One read of the thread's rows
    read since (a few), not one per watcher."""
    if not folded.users:
        return set()
    rows = await db.fetch(
        "SELECT DISTINCT r.user_id FROM notification r WHERE r.thread_id = ? AND r.read_at >= ?"
        " AND r.kind = 'reply' AND NOT EXISTS (SELECT 1 FROM notification u"
        " WHERE u.thread_id = r.thread_id AND u.read_at IS NULL AND u.kind = 'reply'"
        " AND u.user_id = r.user_id)",
        thread_id, folded.at - FOLD_MARGIN,
    )  # fmt: skip
    return folded.users - {row["user_id"] for row in rows}


# The posts folded into a reply notification: those everyone can see after its own, by others.
_FOLDED = (
    "FROM post p WHERE p.thread_id = notification.thread_id AND p.number >"
    " (SELECT f.number FROM post f WHERE f.id = notification.post_id)"
    " AND p.held = ? AND p.deleted_at IS NULL AND p.author_id <> notification.user_id"
)


async def catch_up(user_id: int, *, ids: list[int] | None = None,
                   post_ids: list[int] | None = None) -> None:  # fmt: skip
    """Bring the member's unread reply notifications (or those `ids`, or those about
    `post_ids`) up to date with their threads before they are shown, mailed or marked read:
    how many posts came after the first, and who wrote the latest. One statement over the
    member's few unread rows; see fold_replies for why it is not written per post."""
    where, params = "", []
    if ids is not None:
        where, params = f" AND id IN ({', '.join('?' * len(ids))})", ids
    elif post_ids is not None:
        where, params = f" AND post_id IN ({', '.join('?' * len(post_ids))})", post_ids
    if (ids is not None or post_ids is not None) and not params:
        return
    await db.execute(
        f"UPDATE notification SET others = (SELECT COUNT(*) {_FOLDED}),"
        f" actor_id = COALESCE((SELECT p.author_id {_FOLDED} ORDER BY p.number DESC LIMIT 1),"
        " actor_id)"
        f" WHERE user_id = ? AND read_at IS NULL AND kind = 'reply'{where}",
        False, False, user_id, *params,
    )  # fmt: skip


async def notify_like(post: Post, liker_id: int) -> None:
    """Likes on one post fold into one unread notification: "Ana and 4 others liked…"."""
    if liker_id == post.author_id:
        return
    unread = await Notification.filter(
        user_id=post.author_id, kind="like", post_id=post.id, read_at__isnull=True
    ).first()
    if unread is None:
        await notify({post.author_id: "like"}, actor_id=liker_id, thread_id=post.thread_id,
                     post_id=post.id, url=f"/p/{post.id}")  # fmt: skip
    elif unread.actor_id != liker_id:
        unread.others += 1
        unread.actor_id, unread.created_at = liker_id, now()
        await unread.save(update_fields=["others", "actor_id", "created_at"])


async def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return await Notification.filter(user_id=user.id, read_at__isnull=True).count()


async def page(user: User, before: int | None = None) -> tuple[list[Notification], int | None]:
    """The member's notifications, newest first, a page at a time (keyset on id)."""
    query = Notification.filter(user_id=user.id)
    if before:
        query = query.filter(id__lt=before)
    query = query.order_by("-id").limit(PAGE_SIZE + 1).select_related("actor", "thread")
    rows = await query
    # Folded replies on this page, brought up to date first: a write only when there are some.
    if folded := [row.id for row in rows if row.kind == "reply" and row.read_at is None]:
        await catch_up(user.id, ids=folded)
        rows = await query
    more = rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None
    return rows[:PAGE_SIZE], more


async def mark_read(user: User, notification_id: int | None = None) -> int:
    """Mark one of the member's notifications read, or all of them."""
    await catch_up(user.id, ids=None if notification_id is None else [notification_id])
    query = Notification.filter(user_id=user.id, read_at__isnull=True)
    if notification_id is not None:
        query = query.filter(id=notification_id)
    return await query.update(read_at=now(), email_due_at=None)


def describe(notification: Notification) -> str:
    """One sentence for a notification, in the reader's language (page and e-mail alike)."""
    actor = notification.actor.name if notification.actor else _("A moderator")
    title = notification.thread.title if notification.thread else ""
    names = {"actor": actor, "thread": title, "others": notification.others}
    sentences = {
        "reply": _("%(actor)s replied in “%(thread)s”"),
        "quote": _("%(actor)s quoted you in “%(thread)s”"),
        "mention": _("%(actor)s mentioned you in “%(thread)s”"),
        "thread": _("%(actor)s started “%(thread)s” in a category you watch"),
        "tag_thread": _("%(actor)s started “%(thread)s” with a tag you watch"),
        "solved": _("Your question “%(thread)s” was marked solved"),
        "accepted": _("Your answer in “%(thread)s” was accepted as the solution"),
        "post_hidden": _("Your post in “%(thread)s” was hidden"),
        "post_auto_hidden": _(
            "Your post in “%(thread)s” was hidden after flags from members, until a moderator "
            "reviews it"
        ),
        "post_deleted": _("A moderator deleted your post in “%(thread)s”"),
        "post_edited": _("A moderator edited your post in “%(thread)s”"),
        "post_rejected": _("A moderator did not approve your post in “%(thread)s”"),
        "post_approved": _("Your post in “%(thread)s” was approved and is now visible"),
        "flag_upheld": _("Thank you: a moderator acted on your flag in “%(thread)s”"),
        "flag_dismissed": _("A moderator reviewed your flag in “%(thread)s” and left the post"),
        "idea_under_review": _("The idea “%(thread)s” is under review"),
        "idea_planned": _("The idea “%(thread)s” is planned"),
        "idea_in_progress": _("Work on the idea “%(thread)s” is in progress"),
        "idea_done": _("The idea “%(thread)s” is done"),
        "idea_declined": _("The idea “%(thread)s” was declined"),
        "poll_closed": _(
            "The poll in “%(thread)s” has closed: post a follow-up to tell the voters what "
            "happens next"
        ),
        "poll_follow_up": _(
            "%(actor)s posted the follow-up to the poll you voted in, in “%(thread)s”"
        ),
    }
    if notification.kind.startswith("gp_"):
        return _guest_post_sentence(notification)
    if notification.kind == "badge":
        # An automatic badge's name is an English message id: shown in the reader's language.
        return _("You earned the badge “%(badge)s”") % {"badge": _(notification.text)}
    if notification.kind == "reply" and notification.others:
        count = notification.others + 1
        return ngettext(
            "%(count)d new post in “%(thread)s”, the latest by %(actor)s",
            "%(count)d new posts in “%(thread)s”, the latest by %(actor)s",
            count,
        ) % {**names, "count": count}
    if notification.kind == "like":
        if notification.others:
            return (
                ngettext(
                    "%(actor)s and %(others)d other liked your post in “%(thread)s”",
                    "%(actor)s and %(others)d others liked your post in “%(thread)s”",
                    notification.others,
                )
                % names
            )
        return _("%(actor)s liked your post in “%(thread)s”") % names
    return sentences[notification.kind] % names


def _guest_post_sentence(notification: Notification) -> str:
    """A guest-post move, with what happens next for whoever reads it."""
    names = {"actor": notification.actor.name if notification.actor else _("The forum"),
             "title": notification.text}  # fmt: skip
    sentences = {
        "gp_invite": _("%(actor)s invited you to write a guest post: “%(title)s”. Accept or "
                       "decline the invitation."),
        "gp_pitch": _("%(actor)s pitched a guest post: “%(title)s”. Accept or decline it."),
        "gp_accept": _("%(actor)s accepted the guest post “%(title)s”: the draft comes next."),
        "gp_decline": _("%(actor)s declined the guest post “%(title)s”."),
        "gp_expire": _("The invitation for “%(title)s” expired unanswered."),
        "gp_submit": _("%(actor)s submitted “%(title)s”: it waits for your review."),
        "gp_request_changes": _("An editor asked for changes to “%(title)s”: revise it and "
                                "submit it again."),
        "gp_approve": _("“%(title)s” is approved: an editor will schedule or publish it."),
        "gp_schedule": _("“%(title)s” is scheduled for publication."),
        "gp_publish": _("“%(title)s” is published on the blog."),
        "gp_reject": _("An editor turned down “%(title)s”."),
        "gp_withdraw": _("%(actor)s withdrew the guest post “%(title)s”."),
        "gp_unpublish": _("An editor took “%(title)s” off the blog."),
        "gp_comment": _("%(actor)s commented on the guest post “%(title)s”."),
        "gp_correction": _("%(actor)s proposed a correction to “%(title)s”: apply or decline it."),
    }  # fmt: skip
    return sentences[notification.kind] % names


# --- E-mail


@dataclass
class Mailed:
    sent: int = 0
    skipped: int = 0


async def _sent_today(user_id: int, kind: str) -> int:
    return await OutboxMessage.filter(
        user_id=user_id, kind=kind, created_at__gte=now() - timedelta(days=1)
    ).count()


async def mail_due_notifications(limit: int = 200) -> Mailed:
    """Queue an e-mail for each notification still unread after the delay, within the member's
    daily cap and switches; each is claimed by clearing its due time, so it is mailed once."""
    result = Mailed()
    due = await Notification.filter(email_due_at__lte=now()).order_by("email_due_at").limit(limit)
    community = await site.get_all()
    for item in due:
        async with in_transaction():
            if not await Notification.filter(id=item.id, email_due_at__isnull=False).update(
                email_due_at=None
            ):
                continue  # another worker took it
            user = await User.get(id=item.user_id)
            prefs = await preference(user)
            cap = int(community["email_daily_cap"])
            if prefs.daily_cap is not None:
                cap = min(cap, prefs.daily_cap)
            if (
                item.read_at is not None
                or not can_mail(user, prefs)
                or await _sent_today(user.id, "notification") >= cap
            ):
                result.skipped += 1
                continue
            await catch_up(user.id, ids=[item.id])
            await item.refresh_from_db(fields=["others", "actor_id"])
            await item.fetch_related("actor", "thread", "post")
            await mail.enqueue(
                user, "notification", "notification",
                {"notification": item, "describe": describe, "link": mail.absolute(
                    item.url or "/notifications"),
                 "excerpt": markup.excerpt(item.post.html, 400) if item.post else ""},
                topic=KIND_TOPIC[item.kind],
            )  # fmt: skip
            result.sent += 1
    return result


def can_mail(user: User, prefs: Preference) -> bool:
    """Only to a confirmed address of an active member who has not switched e-mail off."""
    return (
        user.email_verified_at is not None
        and not prefs.no_email
        and user.is_active
        and not user.pending
    )


# --- Digests and win-back messages

DIGEST_PERIODS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
DIGEST_THREADS = 5
# Members looked at per worker round, so one round stays short.
MEMBERS_PER_ROUND = 200


async def popular_threads(since: datetime, category_ids: list[int] | None = None) -> list[Thread]:
    """The busiest visible threads active since a moment (in some categories, or all)."""
    query = Thread.filter(deleted_at__isnull=True, held=False, last_posted_at__gte=since)
    if category_ids:
        query = query.filter(category_id__in=category_ids)
    return (
        await query.order_by("-reply_count", "-like_count", "-id")
        .limit(DIGEST_THREADS)
        .select_related("category")
    )


async def _mailable_members(condition: str, *params: Any) -> list[dict[str, Any]]:
    """Members who may be mailed at all (confirmed, active, e-mail on), with their
    preferences, filtered further by an SQL condition."""
    return await db.fetch(
        "SELECT u.id, u.created_at, u.last_seen_at, p.digest, p.last_digest_at,"
        " p.winback_sent_at, p.winback_unanswered, p.channels"
        " FROM users u LEFT JOIN notification_preference p ON p.user_id = u.id"
        " WHERE u.email_verified_at IS NOT NULL AND u.pending = ? AND u.suspended_at IS NULL"
        " AND (p.no_email IS NULL OR p.no_email = ?) AND " + condition
        + f" ORDER BY u.id LIMIT {MEMBERS_PER_ROUND}",
        False, False, *params,
    )  # fmt: skip


async def _claim(user_id: int, **changes: Any) -> bool:
    """Take a member's digest or win-back turn: only one worker can move the same field on."""
    row, _created = await Preference.get_or_create(user_id=user_id)
    field, value = next(iter(changes.items()))
    previous = getattr(row, field)
    query = Preference.filter(id=row.id)
    query = (
        query.filter(**{f"{field}__isnull": True})
        if previous is None
        else query.filter(**{field: previous})
    )
    return bool(await query.update(**changes))


async def send_digests() -> int:
    """Each member whose digest is due gets the popular threads of the categories they follow
    (all categories when they follow none); nothing is sent when nothing happened."""
    moment = now()
    sent = 0
    for digest, period in DIGEST_PERIODS.items():
        cutoff = moment - period
        rows = await _mailable_members(
            "coalesce(p.digest, 'weekly') = ? AND coalesce(p.last_digest_at, u.created_at) < ?",
            digest, cutoff,
        )  # fmt: skip
        for row in rows:
            async with in_transaction():
                if not await _claim(row["id"], last_digest_at=moment):
                    continue
                since = max(_aware(row["last_digest_at"] or row["created_at"]), cutoff)
                followed = [
                    category for category, level in (await category_levels_of(row["id"])).items()
                    if level >= TRACKING
                ]  # fmt: skip
                threads = await popular_threads(since, followed or None)
                if not threads:
                    continue
                user = await User.get(id=row["id"])
                context = {"threads": threads, "period": digest}
                await mail.enqueue(user, "digest", "digest", context, topic="digest")
                sent += 1
    return sent


async def send_winbacks() -> int:
    """Members away for the community's period get one "what you missed" message per period,
    and none after two in a row go unanswered (no visit since)."""
    days = int((await site.get_all())["winback_days"])
    if days <= 0:
        return 0
    moment = now()
    cutoff = moment - timedelta(days=days)
    rows = await _mailable_members(
        "COALESCE(u.last_seen_at, u.created_at) < ?"
        " AND (p.winback_sent_at IS NULL OR p.winback_sent_at < ?)",
        cutoff, cutoff,
    )  # fmt: skip
    sent = 0
    for row in rows:
        channels = row["channels"] or {}
        if isinstance(channels, str):  # SQLite hands JSON back as text
            channels = json.loads(channels)
        if channels.get("winback") == "off":
            continue
        last_seen = _aware(row["last_seen_at"] or row["created_at"])
        previous = row["winback_sent_at"]
        came_back = previous is not None and last_seen > _aware(previous)
        unanswered = 0 if came_back or previous is None else row["winback_unanswered"] or 0
        if unanswered >= 2:
            continue
        async with in_transaction():
            if not await _claim(row["id"], winback_sent_at=moment):
                continue
            await Preference.filter(user_id=row["id"]).update(winback_unanswered=unanswered + 1)
            threads = await popular_threads(last_seen)
            if not threads:
                continue
            user = await User.get(id=row["id"])
            context = {"threads": threads, "since": last_seen}
            await mail.enqueue(user, "winback", "winback", context, topic="winback")
            sent += 1
    return sent


async def category_levels_of(user_id: int) -> dict[int, int]:
    return dict(await CategoryWatch.filter(user_id=user_id).values_list("category_id", "level"))


def _aware(value: Any) -> datetime:
    """A timestamp from a raw query: SQLite returns text, PostgreSQL a datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
