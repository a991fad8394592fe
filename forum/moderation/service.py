"""Moderation: members flag posts; staff decide in one queue, act on posts and members.

Every staff action writes its audit row in the same transaction as the change itself, so the
log never misses an action and never records one that did not happen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from forum import events, ratelimit
from forum.accounts import service as accounts
from forum.accounts.models import User
from forum.forms import Invalid, integer, required_length
from forum.i18n import gettext as _
from forum.moderation.models import FLAG_REASONS, AuditEntry, Flag, StaffNote
from forum.site import models as site
from forum.threads import service as threads
from forum.threads.models import Post, Thread

# Flags one member may raise per day.
FLAGS_PER_DAY = 10
NOTE_MAX = 500


def now() -> datetime:
    return datetime.now(UTC)


async def audit(actor: User | None, action: str, target: Any, reason: str = "") -> AuditEntry:
    """Append one row to the audit log (call inside the action's transaction)."""
    if isinstance(target, User):
        kind, label, url = "user", target.username, f"/mod/users/{target.username}"
    elif isinstance(target, Post):
        kind, label, url = "post", f"{target.thread.title} #{target.number}", target.url
    elif isinstance(target, Thread):
        kind, label, url = "thread", target.title, target.url
    else:
        raise TypeError(f"cannot audit {target!r}")
    entry = await AuditEntry.create(
        actor_id=actor.id if actor else None, action=action, target_type=kind,
        target_id=target.id, target_label=label[:200], target_url=url, reason=reason,
    )  # fmt: skip
    await events.record(
        events.StaffActed(actor_id=entry.actor_id, action=action, target_type=kind,
                          target_id=target.id, reason=reason)
    )  # fmt: skip
    return entry


# --- Members flag posts


async def flag_post(post: Post, flagger: User, *, reason: str, note: str = "") -> Flag:
    """Flag a post once; enough flags from different members hide it pending review."""
    note = note.strip()
    errors: dict[str, str] = {}
    if reason not in FLAG_REASONS:
        errors["reason"] = _("Choose why you are flagging this post.")
    elif reason == "other" and not note:
        errors["note"] = _("Tell the moderators what is wrong.")
    if len(note) > NOTE_MAX:
        errors["note"] = _("Use at most %(n)d characters.") % {"n": NOTE_MAX}
    if not errors and await Flag.filter(post_id=post.id, user_id=flagger.id).exists():
        errors["reason"] = _("You have already flagged this post.")
    if not errors and await ratelimit.hit("flag", flagger.id, 86400) > FLAGS_PER_DAY:
        errors["reason"] = _("You have flagged many posts today. Please try again tomorrow.")
    if errors:
        raise Invalid(errors)
    try:
        async with in_transaction():
            flag = await Flag.create(post=post, user=flagger, reason=reason, note=note)
            open_flags = await Flag.filter(
                post_id=post.id, resolved_at__isnull=True, user_id__isnull=False
            ).count()
            threshold = int((await site.get_all())["flags_to_hide"])
            if threshold and open_flags >= threshold and not post.hidden_at:
                hidden_reason = _("Hidden after flags from members, pending review.")
                await threads.hide_post(post, None, hidden_reason)
                await audit(None, "auto_hide", post, hidden_reason)
    except IntegrityError:
        raise Invalid({"reason": _("You have already flagged this post.")}) from None
    return flag


QUEUE_KINDS = ("flagged", "held", "signups")


@dataclass
class QueueItem:
    post: Post
    # Empty for a post held for approval.
    flags: list[Flag]
    # The author's history at a glance.
    author_posts: int
    author_flags_upheld: int

    @property
    def waiting_since(self) -> datetime:
        return self.flags[0].created_at if self.flags else self.post.created_at


async def queue(category_id: int | None = None, kind: str = "") -> list[QueueItem]:
    """Everything waiting for a decision, oldest first: flagged posts (with every flag) and
    new members' posts held for approval, each with its author's record."""
    by_post: dict[int, list[Flag]] = {}
    if kind in ("", "flagged"):
        open_flags = Flag.filter(resolved_at__isnull=True)
        if category_id:
            open_flags = open_flags.filter(post__thread__category_id=category_id)
        for flag in await open_flags.order_by("created_at").select_related("user"):
            by_post.setdefault(flag.post_id, []).append(flag)
    held = Post.filter(held=True, deleted_at__isnull=True)
    if category_id:
        held = held.filter(thread__category_id=category_id)
    held_ids = await held.values_list("id", flat=True) if kind in ("", "held") else []
    wanted = list(by_post) + [post_id for post_id in held_ids if post_id not in by_post]
    if not wanted:
        return []
    posts = {
        post.id: post
        for post in await Post.filter(id__in=wanted).select_related(
            "thread", "thread__category", "author"
        )
    }
    author_ids = list({post.author_id for post in posts.values()})
    post_counts = await _count_by(Post.filter(author_id__in=author_ids), "author_id")
    upheld = await _count_by(
        Flag.filter(post__author_id__in=author_ids, resolution="upheld"), "post__author_id"
    )
    items = [
        QueueItem(post, by_post.get(post_id, []), post_counts.get(post.author_id, 0),
                  upheld.get(post.author_id, 0))
        for post_id in wanted
        if (post := posts.get(post_id))
    ]  # fmt: skip
    return sorted(items, key=lambda item: item.waiting_since)


async def _count_by(query: Any, field: str) -> dict[int, int]:
    from tortoise.functions import Count

    rows = await query.annotate(n=Count("id")).group_by(field).values(field, "n")
    return {row[field]: row["n"] for row in rows}


async def queue_count() -> int:
    """Everything waiting for a decision (flagged or held posts, sign-ups), for the navigation."""
    flagged = set(await Flag.filter(resolved_at__isnull=True).values_list("post_id", flat=True))
    held = set(await Post.filter(held=True, deleted_at__isnull=True).values_list("id", flat=True))
    signups = await User.filter(pending=True, awaiting_confirmation=False).count()
    return len(flagged | held) + signups


async def pending_signups() -> list[User]:
    """Sign-ups held by the community's rules, oldest first: those whose address is confirmed
    (the rest may never be, and are removed after a week)."""
    return await User.filter(pending=True, awaiting_confirmation=False).order_by("created_at")


async def approve_signup(user: User, actor: User) -> None:
    async with in_transaction():
        await accounts.approve_signup(user)
        await audit(actor, "approve_signup", user)


async def reject_signup(user: User, actor: User) -> None:
    async with in_transaction():
        await audit(actor, "reject_signup", user)
        await accounts.reject_signup(user)


async def _resolve_flags(post: Post, actor: User, resolution: str) -> int:
    """Close the post's open flags; the members who raised them hear the outcome."""
    flaggers = await Flag.filter(
        post_id=post.id, resolved_at__isnull=True, user_id__isnull=False
    ).values_list("user_id", flat=True)
    closed = await Flag.filter(post_id=post.id, resolved_at__isnull=True).update(
        resolved_at=now(), resolution=resolution, resolved_by_id=actor.id
    )
    if flaggers:
        await events.record(
            events.FlagsResolved(actor_id=actor.id, post_id=post.id, resolution=resolution,
                                 flagger_ids=tuple(flaggers))
        )  # fmt: skip
    return closed


async def dismiss_flags(post: Post, actor: User, reason: str = "") -> None:
    """The flags were wrong: close them, and show the post again if flags had hidden it."""
    async with in_transaction():
        await _resolve_flags(post, actor, "dismissed")
        if post.hidden_at:
            await threads.unhide_post(post, actor)
        await audit(actor, "dismiss_flags", post, reason)


async def approve_post(post: Post, actor: User, reason: str = "") -> None:
    """Let a held post in (or the thread it opens); a flagged post keeps its flags closed."""
    async with in_transaction():
        await threads.approve_post(post, actor)
        await _resolve_flags(post, actor, "dismissed")
        await audit(actor, "approve_post", post, reason)


async def reject_post(post: Post, actor: User, reason: str = "") -> None:
    """Refuse a held post: it is deleted, never having been shown."""
    async with in_transaction():
        await threads.delete_post(post, actor)
        await audit(actor, "reject_post", post, reason)


async def hide_post(post: Post, actor: User, reason: str) -> None:
    """Hide a post (its author sees why); open flags on it are upheld."""
    reason = _required_reason(reason)
    async with in_transaction():
        await threads.hide_post(post, actor.id, reason)
        await _resolve_flags(post, actor, "upheld")
        await audit(actor, "hide_post", post, reason)


async def unhide_post(post: Post, actor: User, reason: str = "") -> None:
    async with in_transaction():
        await threads.unhide_post(post, actor)
        await audit(actor, "unhide_post", post, reason)


async def delete_post(post: Post, actor: User, reason: str = "") -> None:
    async with in_transaction():
        await threads.delete_post(post, actor)
        await _resolve_flags(post, actor, "upheld")
        await audit(actor, "delete_post", post, reason)


async def restore_post(post: Post, actor: User, reason: str = "") -> None:
    async with in_transaction():
        await threads.restore_post(post, actor)
        await audit(actor, "restore_post", post, reason)


def _required_reason(reason: str) -> str:
    return required_length("reason", reason, minimum=3, maximum=NOTE_MAX, label=_("Reason"))


# --- Acting on threads


async def lock_thread(thread: Thread, actor: User, reason: str = "") -> None:
    async with in_transaction():
        await threads.set_locked(thread, True, reason.strip())
        await audit(actor, "lock_thread", thread, reason)


async def unlock_thread(thread: Thread, actor: User, reason: str = "") -> None:
    async with in_transaction():
        await threads.set_locked(thread, False, reason.strip())
        await audit(actor, "unlock_thread", thread, reason)


async def pin_thread(thread: Thread, actor: User, *, globally: bool) -> None:
    async with in_transaction():
        await threads.set_pinned(thread, True, globally)
        await audit(actor, "pin_globally" if globally else "pin_thread", thread)


async def unpin_thread(thread: Thread, actor: User) -> None:
    async with in_transaction():
        await threads.set_pinned(thread, False)
        await audit(actor, "unpin_thread", thread)


async def move_thread(thread: Thread, actor: User, category_id: str, reason: str = "") -> None:
    category = await threads.chosen_category(category_id)
    if category is None:
        raise Invalid({"category": _("Choose a category.")})
    async with in_transaction():
        await threads.move_thread(thread, category)
        await audit(actor, "move_thread", thread, reason or category.name)


async def rename_thread(thread: Thread, actor: User, title: str) -> None:
    old = thread.title
    async with in_transaction():
        await threads.rename_thread(thread, title)
        await audit(actor, "rename_thread", thread, old)


async def merge_thread(thread: Thread, actor: User, target_ref: str) -> Thread:
    """Merge into the thread named by its id or its address."""
    ref = target_ref.strip()
    match = re.search(r"/t/(\d+)", ref) if "/t/" in ref else re.fullmatch(r"(\d+)", ref)
    target = await threads.get_thread(int(match.group(1))) if match else None
    if target is None:
        raise Invalid({"target": _("Give the address or number of an existing thread.")})
    async with in_transaction():
        await threads.merge_threads(thread, target)
        await audit(actor, "merge_thread", thread, target.title)
    return target


async def split_thread(
    thread: Thread, actor: User, *, numbers: list[int], title: str, category_id: str
) -> Thread:
    category = await threads.chosen_category(category_id)
    if category is None:
        raise Invalid({"category": _("Choose a category.")})
    async with in_transaction():
        new = await threads.split_thread(thread, numbers, title=title, category=category)
        await audit(actor, "split_thread", thread, new.title)
    return new


# --- Acting on members


def _until(days: str) -> datetime | None:
    """ "7" -> a week from now; "" or "0" -> no end (suspension only)."""
    if not days.strip() or days.strip() == "0":
        return None
    count = integer(days, 1, 3650)
    if count is None:
        raise Invalid({"days": _("Enter a number of days from 1 to 3650.")})
    return now() + timedelta(days=count)


def _not_staff(user: User) -> None:
    if user.role != "member":
        raise Invalid({"form": _("Staff cannot be sanctioned; change their role first.")})


async def suspend_user(user: User, actor: User, *, days: str, reason: str) -> None:
    """No sign-in until the period ends (no days: until lifted); every session ends at once."""
    _not_staff(user)
    until = _until(days)
    async with in_transaction():
        await accounts.suspend(user, until=until, reason=reason)
        await audit(actor, "suspend", user, reason)


async def silence_user(user: User, actor: User, *, days: str, reason: str) -> None:
    """Reading only until the period ends."""
    _not_staff(user)
    until = _until(days)
    if until is None:
        raise Invalid({"days": _("Enter a number of days from 1 to 3650.")})
    async with in_transaction():
        await accounts.silence(user, until=until, reason=reason)
        await audit(actor, "silence", user, reason)


# A queue decision on a post whose author should pause: this many days of silence.
SILENCE_WITH_DELETE_DAYS = 7


async def delete_and_silence(post: Post, actor: User, reason: str) -> None:
    """Delete the post and silence its author for a week, with one reason for both."""
    author = await User.get(id=post.author_id)
    _not_staff(author)
    async with in_transaction():
        await delete_post(post, actor, reason)
        await silence_user(author, actor, days=str(SILENCE_WITH_DELETE_DAYS), reason=reason)


async def delete_spammer(user: User, actor: User, reason: str = "") -> int:
    """Delete every post of the member and suspend them for good. Their e-mail address stays
    taken by the suspended account, so it cannot sign up again. Returns the posts deleted."""
    _not_staff(user)
    reason = reason.strip() or _("Spam")
    posts = await Post.filter(author_id=user.id, deleted_at__isnull=True).order_by("-number")
    async with in_transaction():
        for post in posts:
            post.thread = await Thread.get(id=post.thread_id).select_related("category")
            await threads.delete_post(post, actor)
        # Through the one helper, so those who flagged them hear of it (and earn points).
        flagged = await Flag.filter(post__author_id=user.id, resolved_at__isnull=True).values_list(
            "post_id", flat=True
        )
        for post in await Post.filter(id__in=set(flagged)):
            await _resolve_flags(post, actor, "upheld")
        await accounts.suspend(user, until=None, reason=reason)
        await audit(actor, "delete_spammer", user, reason)
    return len(posts)


async def lift_sanctions(user: User, actor: User, reason: str = "") -> None:
    async with in_transaction():
        await accounts.lift_suspension(user)
        await accounts.lift_silence(user)
        await audit(actor, "lift_sanctions", user, reason)


async def add_note(user: User, author: User, body: str) -> StaffNote:
    body = body.strip()
    if not 1 <= len(body) <= 2000:
        raise Invalid({"body": _("Write a note of at most %(n)d characters.") % {"n": 2000}})
    async with in_transaction():
        note = await StaffNote.create(user=user, author=author, body=body)
        await audit(author, "add_note", user)
    return note


async def set_role(user: User, actor: User, role: str) -> None:
    """Promote a member to moderator, or back (the manager only; not their own role)."""
    if role not in ("member", "moderator"):
        raise Invalid({"role": _("Choose member or moderator.")})
    if user.id == actor.id or user.role == "manager":
        raise Invalid({"role": _("The manager's own role cannot be changed here.")})
    async with in_transaction():
        await accounts.set_role(user, role)
        await audit(actor, f"role_{role}", user)


async def set_blog_editor(user: User, actor: User, allowed: bool) -> bool:
    """Let a moderator edit guest posts, or take the right back (the manager always may).
    Whether anything changed."""
    if user.role != "moderator":
        raise Invalid({"role": _("Only moderators are given the editor right.")})
    if user.blog_editor == allowed:
        return False
    async with in_transaction():
        await User.filter(id=user.id).update(blog_editor=allowed)
        user.blog_editor = allowed
        await audit(actor, "blog_editor_on" if allowed else "blog_editor_off", user)
    return True


# --- Reading


@dataclass
class MemberRecord:
    """The 360-degree view of a member for staff."""

    threads: list[Thread]
    posts: list[Post]
    flags_made: list[Flag]
    flags_received: list[Flag]
    actions: list[AuditEntry]
    notes: list[StaffNote]


async def member_record(user: User, limit: int = 50) -> MemberRecord:
    return MemberRecord(
        threads=await Thread.filter(author_id=user.id).order_by("-created_at").limit(limit)
        .select_related("category"),
        posts=await Post.filter(author_id=user.id).order_by("-created_at").limit(limit)
        .select_related("thread"),
        flags_made=await Flag.filter(user_id=user.id).order_by("-created_at").limit(limit)
        .select_related("post", "post__thread"),
        flags_received=await Flag.filter(post__author_id=user.id).order_by("-created_at")
        .limit(limit).select_related("post", "post__thread", "user"),
        actions=await AuditEntry.filter(target_type="user", target_id=user.id)
        .order_by("-created_at").limit(limit).select_related("actor"),
        notes=await StaffNote.filter(user_id=user.id).order_by("-created_at")
        .select_related("author"),
    )  # fmt: skip


AUDIT_PAGE = 50
AUDIT_ACTIONS = (
    "approve_post", "reject_post", "auto_hide", "dismiss_flags", "hide_post", "unhide_post",
    "delete_post", "restore_post", "lock_thread", "unlock_thread", "pin_thread", "pin_globally",
    "unpin_thread", "move_thread", "rename_thread", "merge_thread", "split_thread", "edit_post",
    "delete_spammer", "approve_signup", "reject_signup",
    "suspend", "silence", "lift_sanctions", "add_note", "role_moderator", "role_member",
    "blog_editor_on", "blog_editor_off",
    "idea_under_review", "idea_planned", "idea_in_progress", "idea_done", "idea_declined",
)  # fmt: skip


async def audit_log(
    *, actor: str = "", action: str = "", target: str = "", since: str = "", until: str = "",
    before: int | None = None,
) -> list[AuditEntry]:  # fmt: skip
    """Newest first, paged by id; filtered by actor username, action, target name or title,
    and a date range (YYYY-MM-DD, inclusive; anything unreadable is ignored)."""
    query = AuditEntry.all()
    # Text longer than its column names nothing (and the ORM refuses to compare it).
    if actor:
        found = await accounts.get_by_username(actor)
        query = query.filter(actor_id=found.id if found else -1)
    if action:
        query = query.filter(action=action) if len(action) <= 40 else query.filter(id=-1)
    if target.strip():
        query = query.filter(target_label__icontains=target.strip())
    if start := _day(since):
        query = query.filter(created_at__gte=start)
    if (end := _day(until)) and end.year < 9999:  # 9999-12-31 has no day after it
        query = query.filter(created_at__lt=end + timedelta(days=1))
    if before:
        query = query.filter(id__lt=before)
    return await query.order_by("-id").limit(AUDIT_PAGE).select_related("actor")


def _day(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.strip()).replace(tzinfo=UTC) if text.strip() else None
    except ValueError:
        return None


async def staff_members() -> list[User]:
    return await User.filter(role__in=["moderator", "manager"]).order_by("role", "username")
