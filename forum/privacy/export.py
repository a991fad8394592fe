"""Everything the forum holds about a member, as a ZIP they download from /settings/privacy:
account.json (their account, settings and every row tied to them) and posts/<thread>-<number>.md
(each post's markdown as they wrote it, under a little front matter).

Staff-only records about them (private staff notes, flags others raised on their posts, the
audit log) are the moderators' working notes and are not part of it. Nothing in it names
another member by more than the username their pages already show.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime
from typing import Any

from forum.accounts.models import Session, User
from forum.advocacy.models import BadgeAward, PointEntry, Standing
from forum.blog.models import EditorialComment, GuestPost, GuestPostVersion
from forum.ideas.models import IdeaVote
from forum.mail import service as mail
from forum.mail.models import OutboxMessage
from forum.moderation.models import Flag
from forum.notifications.models import (
    LEVELS,
    UNSET,
    CategoryWatch,
    Notification,
    Preference,
    TagWatch,
    ThreadWatch,
)
from forum.polls.models import PollVote
from forum.threads.models import Bookmark, Like, Post, Thread

# Posts read per query: a member with thousands of posts costs a handful of queries.
POST_BATCH = 500
_LEVEL_NAMES = {number: name for name, number in LEVELS.items()} | {UNSET: "normal"}


def file_name(moment: datetime | None = None) -> str:
    """The download's name (ASCII: a username may not be)."""
    return f"forum-data-{(moment or datetime.now(UTC)):%Y-%m-%d}.zip"


async def export(user: User) -> bytes:
    """The member's data as the bytes of a ZIP file."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        posts = []
        async for post in _posts(user):
            name = f"posts/{post['thread_id']}-{post['number']}.md"
            archive.writestr(name, _markdown(post))
            posts.append({"file": name, **_post_summary(post)})
        data = await account_data(user)
        data["posts"] = posts
        archive.writestr("account.json", json.dumps(data, indent=2, ensure_ascii=False,
                                                    default=_json_value))  # fmt: skip
    return buffer.getvalue()


async def account_data(user: User) -> dict[str, Any]:
    """Every row tied to the member, readable (names beside ids), without their posts' text."""
    uid = user.id
    standing = await Standing.filter(user_id=uid).values(
        "points", "accepted_answers", "tier", "tier_since", "hidden_from_board"
    )
    preference = await Preference.filter(user_id=uid).values(
        "channels", "digest", "no_email", "daily_cap", "last_digest_at"
    )
    return {
        "exported_at": datetime.now(UTC),
        "account": {
            "id": user.id, "username": user.username, "email": user.email,
            "email_confirmed_at": user.email_verified_at, "role": user.role,
            "display_name": user.display_name, "bio": user.bio, "website": user.website,
            "language": user.language, "timezone": user.timezone,
            "created_at": user.created_at, "last_seen_at": user.last_seen_at,
            "suspended_until": user.suspended_until if user.suspended_at else None,
            "suspension_reason": user.suspension_reason, "silenced_until": user.silenced_until,
            "silence_reason": user.silence_reason, "profile": mail.absolute(user.url),
        },
        "sessions": await Session.filter(user_id=uid).order_by("created_at").values(
            "created_at", "last_seen_at", "user_agent"
        ),
        "notification_preferences": preference[0] if preference else None,
        "watching": {
            "threads": [
                {**row, "level": _LEVEL_NAMES.get(row["level"], row["level"])}
                for row in await ThreadWatch.filter(user_id=uid).order_by("id").values(
                    "thread_id", "level", "last_read", title="thread__title"
                )
            ],
            "categories": [
                {**row, "level": _LEVEL_NAMES.get(row["level"], row["level"])}
                for row in await CategoryWatch.filter(user_id=uid).order_by("id").values(
                    "level", category="category__name"
                )
            ],
            "tags": [
                {**row, "level": _LEVEL_NAMES.get(row["level"], row["level"])}
                for row in await TagWatch.filter(user_id=uid).order_by("id").values(
                    "level", tag="tag__name"
                )
            ],
        },
        "recognition": {
            "standing": standing[0] if standing else None,
            "points": await PointEntry.filter(user_id=uid).order_by("id").values(
                "points", "reason", "thread_id", "post_id", "note", "created_at"
            ),
            "badges": await BadgeAward.filter(user_id=uid).order_by("id").values(
                "reason", "awarded_at", "expires_at", badge="badge__name"
            ),
        },
        "threads_started": await Thread.filter(author_id=uid).order_by("id").values(
            "id", "title", "created_at", "deleted_at"
        ),
        "likes_given": await Like.filter(user_id=uid).order_by("id").values(
            "post_id", "created_at", thread_id="post__thread_id", number="post__number"
        ),
        "bookmarks": await Bookmark.filter(user_id=uid).order_by("id").values(
            "post_id", "note", "created_at", thread_id="post__thread_id", number="post__number"
        ),
        "idea_votes": await IdeaVote.filter(user_id=uid).order_by("id").values(
            "created_at", thread_id="idea_id"
        ),
        "poll_votes": await PollVote.filter(user_id=uid).order_by("id").values(
            "created_at", question="poll__question", option="option__text",
            thread_id="poll__thread_id",
        ),  # fmt: skip
        "flags_raised": await Flag.filter(user_id=uid).order_by("id").values(
            "post_id", "reason", "note", "created_at", "resolution"
        ),
        "notifications": await Notification.filter(user_id=uid).order_by("id").values(
            "kind", "text", "url", "created_at", "read_at", actor="actor__username"
        ),
        "guest_posts": await _guest_posts(uid),
        "editorial_comments": await EditorialComment.filter(author_id=uid).order_by("id").values(
            "post_id", "body", "version_number", "created_at"
        ),
        "emails": await OutboxMessage.filter(user_id=uid).order_by("id").values(
            "kind", "to_address", "subject", "created_at", "sent_at"
        ),
    }  # fmt: skip


async def _guest_posts(user_id: int) -> list[dict[str, Any]]:
    posts = await GuestPost.filter(author_id=user_id).order_by("id").values(
        "id", "state", "topic", "brief", "message", "title", "summary", "body", "slug",
        "due_at", "publish_at", "published_at", "note", "created_at",
    )  # fmt: skip
    versions = (
        await GuestPostVersion.filter(post__author_id=user_id)
        .order_by("number")
        .values("post_id", "number", "title", "summary", "body", "kind", "created_at")
    )
    for post in posts:
        post["versions"] = [
            {key: value for key, value in version.items() if key != "post_id"}
            for version in versions
            if version["post_id"] == post["id"]
        ]
    return posts


async def _posts(user: User):  # noqa: ANN202 - an async generator of rows
    """Every post of the member, deleted ones too, a batch per query (keyset on id)."""
    last = 0
    while True:
        batch = await (
            Post.filter(author_id=user.id, id__gt=last)
            .order_by("id")
            .limit(POST_BATCH)
            .values(
                "id",
                "thread_id",
                "number",
                "body",
                "created_at",
                "edited_at",
                "deleted_at",
                "held",
                "hidden_at",
                "like_count",
                title="thread__title",
                slug="thread__slug",
            )  # fmt: skip
        )
        for post in batch:
            yield post
        if len(batch) < POST_BATCH:
            return
        last = batch[-1]["id"]


def _post_url(post: dict[str, Any]) -> str:
    return mail.absolute(f"/t/{post['thread_id']}/{post['slug']}#p{post['number']}")


def _post_summary(post: dict[str, Any]) -> dict[str, Any]:
    return {
        "thread_id": post["thread_id"], "number": post["number"], "thread_title": post["title"],
        "url": _post_url(post), "created_at": post["created_at"], "edited_at": post["edited_at"],
        "deleted_at": post["deleted_at"], "likes": post["like_count"],
    }  # fmt: skip


def _markdown(post: dict[str, Any]) -> str:
    """The post as written, under front matter (JSON strings are valid YAML)."""
    lines = [
        "---",
        f"title: {json.dumps(post['title'], ensure_ascii=False)}",
        f"thread: {post['thread_id']}",
        f"number: {post['number']}",
        f"url: {json.dumps(_post_url(post))}",
        f"date: {_json_value(post['created_at'])}",
    ]
    if post["edited_at"]:
        lines.append(f"edited: {_json_value(post['edited_at'])}")
    if post["deleted_at"]:
        lines.append(f"deleted: {_json_value(post['deleted_at'])}")
    if post["hidden_at"]:
        lines.append(f"hidden: {_json_value(post['hidden_at'])}")
    return "\n".join([*lines, "---", "", post["body"].rstrip(), ""])


def _json_value(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="seconds")
    return str(value)
