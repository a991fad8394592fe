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


def bookmark(user: Any, post: Any) -> bool:
    """A member saves a post they can see to find it again (private, so silenced members may;
    taking a bookmark back is always allowed)."""
    if not _member(user) or post.deleted_at:
        return False
    return not post.held or view_held(user, post)


def manage_categories(user: Any) -> bool:
    return is_manager(user)


def manage_tags(user: Any) -> bool:
    """Curate the tags members choose from (/admin/tags): the community manager."""
    return is_manager(user)


def choose_tags(user: Any, thread: Any) -> bool:
    """Change the tags of a thread: its author while they may write and it is open, and
    staff. (Whoever may start a thread chooses its first tags.)"""
    if thread.deleted_at or not _member(user):
        return False
    return is_staff(user) or (_writer(user) and thread.author_id == user.id and not thread.locked)


def follow(user: Any) -> bool:
    """Choose categories and tags to follow (the welcome step, /settings/interests) and see
    the "For you" list: a member with an active account."""
    return _member(user)


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


# --- Polls (a poll's `thread`, with its category, is loaded where these are asked)


def add_poll(user: Any, thread: Any) -> bool:
    """The thread's author, or staff, add a poll to a thread that still takes replies."""
    if not reply(user, thread):
        return False
    return thread.author_id == user.id or is_staff(user)


def vote_poll(user: Any, poll: Any) -> bool:
    """Members who may write vote, and change their vote, until the poll closes."""
    return _writer(user) and not poll.is_closed


def see_poll_results(user: Any, poll: Any, voted: bool) -> bool:
    """Results show after voting or once closed; staff always see them."""
    return voted or poll.is_closed or is_staff(user)


def close_poll(user: Any, poll: Any) -> bool:
    """The thread's author, or staff, close an open poll before its time."""
    if poll.is_closed or not _member(user):
        return False
    return is_staff(user) or (_writer(user) and poll.thread.author_id == user.id)


def export_poll(user: Any) -> bool:
    """The results as CSV (counts only, never who voted): the community manager."""
    return is_manager(user)


def post_follow_up(user: Any, poll: Any) -> bool:
    """Staff mark a reply as the follow-up to a closed poll that has none yet."""
    return is_staff(user) and poll.is_closed and poll.follow_up_post_id is None


# Staff decided these ideas: their votes stay as they were.
IDEA_DECIDED = frozenset({"done", "declined"})


def _idea_open(thread: Any, idea: Any) -> bool:
    """An idea takes votes while it is shown, not locked, its category open, and not decided."""
    return (
        thread.category.kind == "ideas"
        and not thread.deleted_at
        and not thread.held
        and not thread.locked
        and not thread.category.archived
        and (idea is None or idea.status not in IDEA_DECIDED)
    )


def vote_idea(user: Any, thread: Any, idea: Any = None) -> bool:
    """Members who may write vote others' ideas up, once each (an author's own idea is theirs
    already: the count says how many others want it)."""
    return _writer(user) and thread.author_id != user.id and _idea_open(thread, idea)


def withdraw_idea_vote(user: Any, thread: Any, idea: Any = None) -> bool:
    """Taking a vote back, while the idea still takes votes (a silenced member may too)."""
    return _member(user) and _idea_open(thread, idea)


def set_idea_status(user: Any, thread: Any) -> bool:
    """Staff give an idea a status (under review, planned, in progress, done, declined)."""
    return (
        is_staff(user)
        and thread.category.kind == "ideas"
        and not thread.deleted_at
        and not thread.held
    )


def ensure(allowed: bool) -> None:
    """Stop the request with the 403 page unless the predicate allowed it."""
    if not allowed:
        raise HTTPException(status_code=403)
