"""Moderation reacts to what other features announce."""

from __future__ import annotations

from forum import events
from forum.accounts.models import User
from forum.accounts.service import DELETED_USERNAME
from forum.moderation.models import SYSTEM_REASON, AuditEntry, Flag
from forum.moderation.service import audit
from forum.threads.models import Post, PostRevision


@events.subscribe(events.WatchedWordsFound)
async def flag_watched_words(event: events.WatchedWordsFound) -> None:
    """A post with a watched word goes to the review queue as a flag from the forum itself."""
    await Flag.create(post_id=event.post_id, user=None, reason=SYSTEM_REASON,
                      note=", ".join(event.words))  # fmt: skip


@events.subscribe(events.PostEdited)
async def audit_staff_edits(event: events.PostEdited) -> None:
    """Staff changing someone else's post is a staff action: it goes into the audit log."""
    post = await Post.get(id=event.post_id).select_related("thread")
    if post.author_id == event.actor_id:
        return
    revision = await PostRevision.get(id=event.revision_id)
    await audit(await User.get(id=event.actor_id), "edit_post", post, revision.reason)


@events.subscribe(events.AccountDeleted)
async def forget_deleted_member(event: events.AccountDeleted) -> None:
    """The log keeps what staff did to a member who deleted their account, but no longer
    names them (nor links to a page their freed username may lead to someone else's)."""
    await AuditEntry.filter(target_type="user", target_id=event.user_id).update(
        target_label=DELETED_USERNAME, target_url=""
    )
