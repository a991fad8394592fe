"""Bookmarks: posts a member saves to find again, each with an optional note to themselves.

Only the member sees their bookmarks. A bookmark on a post that was later deleted, hidden or
held, or whose thread was deleted, stays (it comes back when the post does) but its text is
not shown: the list says the post is no longer available.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from forum import db, keyset
from forum import permissions as can
from forum.accounts.models import User
from forum.forms import Invalid
from forum.i18n import gettext as _
from forum.threads.models import Bookmark, Post

NOTE_MAX = 200
PAGE_SIZE = 30


def _note(text: str) -> str:
    note = " ".join(text.split())
    if len(note) > NOTE_MAX:
        raise Invalid({"note": _("Use at most %(n)d characters.") % {"n": NOTE_MAX}})
    return note


async def bookmark(user: User, post: Post, note: str = "") -> Bookmark:
    """Save the post for the member (again: the note is replaced)."""
    note = _note(note)
    row, created = await Bookmark.get_or_create(
        user_id=user.id, post_id=post.id, defaults={"note": note}
    )
    if not created and row.note != note:
        row.note = note
        await row.save(update_fields=["note"])
    return row


async def unbookmark(user: User, post_id: int) -> bool:
    """Remove the member's bookmark of a post; False when there was none."""
    return bool(await Bookmark.filter(user_id=user.id, post_id=post_id).delete())


async def get(user: Any, post: Post) -> Bookmark | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return await Bookmark.filter(user_id=user.id, post_id=post.id).first()


@dataclass
class PostMarks:
    """What the member did to the posts of a page: liked them, bookmarked them."""

    liked: set[int]
    bookmarked: set[int]


async def post_marks(user: Any, posts: list[Post]) -> PostMarks:
    """The member's likes and bookmarks among a page's posts, in one read (the thread page
    asked for its likes alone before bookmarks came)."""
    if not getattr(user, "is_authenticated", False) or not posts:
        return PostMarks(set(), set())
    marks = ", ".join("?" * len(posts))
    ids = [post.id for post in posts]
    rows = await db.fetch(
        f"SELECT post_id, 0 AS kind FROM likes WHERE user_id = ? AND post_id IN ({marks})"
        " UNION ALL"
        f" SELECT post_id, 1 AS kind FROM bookmark WHERE user_id = ? AND post_id IN ({marks})",
        user.id, *ids, user.id, *ids,
    )  # fmt: skip
    return PostMarks(
        {row["post_id"] for row in rows if row["kind"] == 0},
        {row["post_id"] for row in rows if row["kind"] == 1},
    )


@dataclass
class BookmarkPage:
    bookmarks: list[Bookmark]
    # The keyset cursor of the next page, or None on the last page.
    next_cursor: str | None


async def page(user: User, cursor: str | None = None) -> BookmarkPage:
    """The member's bookmarks, newest first, a page at a time: keyset on (created_at, id) from
    the (user, created_at) index, with each post, its author and its thread in the same read."""
    query = Bookmark.filter(user_id=user.id)
    query = keyset.older(query, cursor, moment="created_at")
    rows = await (
        query.order_by("-created_at", "-id")
        .limit(PAGE_SIZE + 1)
        .select_related("post", "post__author", "post__thread")
    )
    next_cursor = None
    if len(rows) > PAGE_SIZE:
        last = rows[PAGE_SIZE - 1]
        next_cursor = keyset.make(last.created_at, last.id)
    return BookmarkPage(rows[:PAGE_SIZE], next_cursor)


def available(user: Any, post: Post) -> bool:
    """Whether the bookmarks page shows the post's text: not deleted, hidden, held or in a
    deleted thread (unless the member may see it anyway, as its author or staff may)."""
    if post.deleted_at or post.thread.deleted_at:
        return False
    if post.held and not can.view_held(user, post):
        return False
    return not (post.hidden_at and not can.view_hidden(user, post))
