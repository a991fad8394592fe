"""Who may do what. Pure, synchronous predicates over loaded objects.

Routes call them through `ensure(...)`; templates see this module as `can`, so a button shows
exactly when its action is allowed. Nothing else decides permissions.
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException

STAFF_ROLES = frozenset({"moderator", "manager"})


class Guest:
    """The visitor who has not signed in."""

    id = None
    role = "guest"
    username = ""
    is_authenticated = False
    is_active = False
    is_silenced = False
    pending = False


def _member(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and not user.pending)


def _writer(user: Any) -> bool:
    """A member who may write: signed in, not suspended, not silenced."""
    return _member(user) and not user.is_silenced


def signed_in(user: Any) -> bool:
    """A member with an active account (their own settings, taking back their own likes)."""
    return _member(user)


def is_staff(user: Any) -> bool:
    return _member(user) and user.role in STAFF_ROLES


def is_manager(user: Any) -> bool:
    return _member(user) and user.role == "manager"


def start_thread(user: Any, category: Any) -> bool:
    if not _writer(user) or category.archived:
        return False
    return category.start_role == "member" or is_staff(user)


def reply(user: Any, thread: Any) -> bool:
    if not _writer(user) or thread.deleted_at or thread.category.archived:
        return False
    return not thread.locked or is_staff(user)


def edit_post(user: Any, post: Any) -> bool:
    if post.deleted_at or not _member(user):
        return False
    if is_staff(user):
        return True
    return _writer(user) and post.author_id == user.id and not post.thread.locked


def delete_post(user: Any, post: Any) -> bool:
    """The author deletes their own post; staff delete others' from /mod, with a reason."""
    if post.deleted_at or not _member(user):
        return False
    return post.author_id == user.id and (not post.thread.locked or is_staff(user))


def like(user: Any, post: Any) -> bool:
    return _writer(user) and not post.deleted_at and not post.held and post.author_id != user.id


def mark_solution(user: Any, thread: Any) -> bool:
    """The asker (or staff) picks the reply that solved a question in a support category."""
    if thread.category.kind != "support" or thread.deleted_at or not _member(user):
        return False
    return thread.author_id == user.id or is_staff(user)


def flag(user: Any, post: Any) -> bool:
    """Members flag others' posts for the moderators' attention."""
    return _writer(user) and not post.deleted_at and not post.held and post.author_id != user.id


def moderate(user: Any) -> bool:
    """The review queue, post and member actions, the audit log (/mod)."""
    return is_staff(user)


def view_dashboard(user: Any) -> bool:
    """Response times, activity and the journey funnel (/admin)."""
    return is_manager(user)


def manage_staff(user: Any) -> bool:
    return is_manager(user)


def view_held(user: Any, item: Any) -> bool:
    """A held thread or post is seen by its author (marked as awaiting approval) and staff."""
    return is_staff(user) or (_member(user) and item.author_id == user.id)


def view_hidden(user: Any, post: Any) -> bool:
    """Staff, and the author (who is told why), read a hidden post."""
    return is_staff(user) or (_member(user) and post.author_id == user.id)


def view_revisions(user: Any, post: Any) -> bool:
    return is_staff(user)


def view_deleted(user: Any) -> bool:
    return is_staff(user)


def manage_categories(user: Any) -> bool:
    return is_manager(user)


def edit_guest_posts(user: Any) -> bool:
    """Review, schedule and publish guest posts: the manager, and moderators given the right."""
    return is_manager(user) or (is_staff(user) and bool(getattr(user, "blog_editor", False)))


def pitch_guest_post(user: Any) -> bool:
    """A member who may write proposes a guest post (the service also asks for an advocate's
    tier, which is earned, not a permission)."""
    return _writer(user)


def manage_recognition(user: Any) -> bool:
    """Points rules, badges, adjustments and the advocate finder: the community manager."""
    return is_manager(user)


def manage_site(user: Any) -> bool:
    """The community's name, default language and time zone."""
    return is_manager(user)


def ensure(allowed: bool) -> None:
    """Stop the request with the 403 page unless the predicate allowed it."""
    if not allowed:
        raise HTTPException(status_code=403)
