"""New and unread threads for a member: those started since their previous visit that they
have not opened, and those they read before that have posts since.

Both lists page by keyset and read a bounded set of rows, so they cost the same on a forum of
a million posts: "new" reads the thread index by `created_at` over at most 14 days and probes
the member's read positions by their unique (user, thread) index; "unread" reads only the
member's own read positions (one per thread they ever opened) and each one's thread by its
key. The tabs' counts stop at 21 rows ("20+").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from forum import db, keyset
from forum.accounts import service as accounts
from forum.notifications.models import MUTED, NORMAL, UNSET
from forum.notifications.service import new_since
from forum.threads.models import Thread

PAGE_SIZE = 30
# The tabs count this many and then say "20+": a count never reads more rows than a page.
COUNT_UP_TO = 20
KINDS = ("new", "unread")


@dataclass
class Listing:
    threads: list[Thread]
    # The keyset cursor of the next page, or None on the last page.
    next_cursor: str | None


def _new(user: Any) -> tuple[str, list[Any], str]:
    """FROM and WHERE of the member's new threads, their parameters, and the keyset column.
    Their own threads and the ones they opened have a read position, so are not new."""
    sql = (
        " FROM thread t WHERE t.created_at > ? AND t.deleted_at IS NULL AND t.held = ?"
        " AND t.author_id <> ?"
        " AND NOT EXISTS (SELECT 1 FROM thread_watch w"
        " WHERE w.user_id = ? AND w.thread_id = t.id)"
        " AND t.category_id NOT IN (SELECT c.category_id FROM category_watch c"
        " WHERE c.user_id = ? AND c.level = ?)"
    )
    return sql, [new_since(user), False, user.id, user.id, user.id, MUTED], "created_at"


def _unread(user: Any) -> tuple[str, list[Any], str]:
    """FROM and WHERE of the threads the member read before that have posts since, whatever
    their level but muted (their own, or their category's when they chose none)."""
    sql = (
        " FROM thread_watch w JOIN thread t ON t.id = w.thread_id"
        " LEFT JOIN category_watch c ON c.user_id = w.user_id AND c.category_id = t.category_id"
        " WHERE w.user_id = ? AND w.last_read > 0 AND t.post_count > w.last_read"
        " AND t.deleted_at IS NULL AND t.held = ?"
        " AND (w.level > ? OR (w.level = ? AND COALESCE(c.level, ?) <> ?))"
    )
    return sql, [user.id, False, MUTED, UNSET, NORMAL, MUTED], "last_posted_at"


QUERIES = {"new": _new, "unread": _unread}


async def threads(user: Any, kind: str, cursor: str | None = None) -> Listing:
    """A page of the member's new (newest first) or unread (latest activity first) threads."""
    where, params, column = QUERIES[kind](user)
    if position := keyset.parse(cursor):
        moment, thread_id = position
        where += f" AND (t.{column} < ? OR (t.{column} = ? AND t.id < ?))"
        params += [moment, moment, thread_id]
    rows = await db.fetch(
        f"SELECT t.id AS id{where} ORDER BY t.{column} DESC, t.id DESC LIMIT {PAGE_SIZE + 1}",
        *params,
    )
    ids = [row["id"] for row in rows[:PAGE_SIZE]]
    found = {
        thread.id: thread
        for thread in await Thread.filter(id__in=ids).select_related(
            "category", "author", "last_poster"
        )
    }
    page = [found[thread_id] for thread_id in ids if thread_id in found]
    next_cursor = None
    if len(rows) > PAGE_SIZE and page:
        last = page[-1]
        next_cursor = keyset.make(getattr(last, column), last.id)
    return Listing(page, next_cursor)


async def counts(user: Any) -> dict[str, int]:
    """How many threads are new and unread for the member, each counted up to COUNT_UP_TO + 1
    (shown as "20+"), in one read."""
    parts, params = [], []
    for kind in KINDS:
        where, values, _column = QUERIES[kind](user)
        rows = f"SELECT 1 AS one{where} LIMIT {COUNT_UP_TO + 1}"
        parts.append(f"(SELECT COUNT(*) FROM ({rows}) AS {kind}_rows) AS {kind}")
        params += values
    [row] = await db.fetch("SELECT " + ", ".join(parts), *params)
    return {kind: int(row[kind]) for kind in KINDS}


async def dismiss(user: Any, kind: str) -> None:
    """Dismiss the list: nothing started so far is new any more, or every thread the member
    read before counts as read to its last post."""
    if kind == "new":
        await accounts.dismiss_new(user)
        return
    latest = "(SELECT t.post_count FROM thread t WHERE t.id = thread_watch.thread_id)"
    await db.execute(
        f"UPDATE thread_watch SET last_read = {latest} WHERE user_id = ? AND last_read < {latest}",
        user.id,
    )
