"""The guest-post workflow tells the other side of each move what happens next, in the forum
and by e-mail (through notifications), in the move's own transaction."""

from __future__ import annotations

from forum import events
from forum.blog import service
from forum.blog.models import GuestPost
from forum.notifications import service as notifications

# Moves the author makes (or the clock), which the editors hear of; the rest the author hears.
TO_EDITORS = {"pitch", "accept", "decline", "submit", "withdraw", "expire", "draft"}
# Moves nobody needs to hear of: the editor's own bookkeeping, or the author's first save.
QUIET = {"review", "unschedule", "draft"}


async def _editors_for(post: GuestPost) -> list[int]:
    """The editor who invited, else every editor."""
    if post.invited_by_id:
        return [post.invited_by_id]
    return [editor.id for editor in await service.editors()]


@events.subscribe(events.GuestPostMoved)
async def moved(event: events.GuestPostMoved) -> None:
    if event.action in QUIET:
        return
    post = await GuestPost.get(id=event.post_id)
    author_moved = event.action in TO_EDITORS and not (
        event.action in ("accept", "decline") and event.from_state == "pitched"
    )
    if author_moved:
        recipients = dict.fromkeys(await _editors_for(post), f"gp_{event.action}")
        url = f"/admin/guest-posts/{post.id}"
    else:
        recipients = {post.author_id: f"gp_{event.action}"}
        url = f"/guest-posts/{post.id}"
    await notifications.notify(recipients, actor_id=event.actor_id,
                               text=post.title or post.topic, url=url)  # fmt: skip


@events.subscribe(events.GuestPostCommented)
async def commented(event: events.GuestPostCommented) -> None:
    """A comment (or a proposed correction) goes to the other side."""
    post = await GuestPost.get(id=event.post_id)
    kind = "gp_correction" if event.comment_id == 0 else "gp_comment"
    if event.actor_id == post.author_id:
        recipients = dict.fromkeys(await _editors_for(post), kind)
        url = f"/admin/guest-posts/{post.id}"
    else:
        recipients = {post.author_id: kind}
        url = f"/guest-posts/{post.id}"
    await notifications.notify(recipients, actor_id=event.actor_id,
                               text=post.title or post.topic, url=url)  # fmt: skip
