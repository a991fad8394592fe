"""Notifications react to what other features announce, in the same transaction."""

from __future__ import annotations

import re
from typing import Any

from forum import events, markup
from forum.accounts.models import User
from forum.notifications import service
from forum.text import fold
from forum.threads import service as threads
from forum.threads.models import Post, Thread

# A quote as markup.quote writes it: "@name:" on its own line, then "> " lines.
QUOTED = re.compile(r"^@([\w-]{3,20}):[ \t]*\r?\n>", re.MULTILINE)

# Links go through /p/<id> and /t/<id>, which find a post or thread wherever a move, merge or
# split has put it since.

# Staff actions on a post, as the audit log names them, and what its author is told.
STAFF_ACTIONS = {
    "hide_post": "post_hidden", "auto_hide": "post_auto_hidden", "delete_post": "post_deleted",
    "edit_post": "post_edited", "reject_post": "post_rejected", "approve_post": "post_approved",
}  # fmt: skip


async def _user_ids(names: set[str]) -> list[int]:
    if not names:
        return []
    keys = [fold(name) for name in names]
    return await User.filter(username_key__in=keys).values_list("id", flat=True)


async def _addressed(body: str) -> dict[int, str]:
    """Members quoted or @mentioned in a post (a quote says more than a mention)."""
    quoted = set(QUOTED.findall(body))
    recipients = {user: "mention" for user in await _user_ids(markup.mentioned_names(body))}
    recipients.update({user: "quote" for user in await _user_ids(quoted)})
    return recipients


@events.subscribe(events.ThreadCreated)
async def new_thread(event: events.ThreadCreated) -> None:
    post = await Post.get(id=event.post_id).select_related("thread")
    thread = post.thread
    await service.watch_as_participant(post.author_id, thread, 1)
    _, muted = await service.audience(thread)
    recipients = {user: "tag_thread" for user in await service.tag_watchers(thread)}
    recipients.update(
        {user: "thread" for user in await service.category_audience(thread.category_id)}
    )
    recipients.update(await _addressed(post.body))
    await service.notify(
        {user: kind for user, kind in recipients.items() if user not in muted},
        actor_id=post.author_id, thread_id=thread.id, post_id=post.id, url=f"/t/{thread.id}",
    )  # fmt: skip


async def _reply_recipients(
    thread: Thread, author_id: int, body: str
) -> tuple[dict[int, str], service.Folded, dict[int, Any]]:
    """Who hears of a new post in the thread, and how; the watchers not yet back since the
    last post, who hear of this one in the same notification; and everyone's channels."""
    watching, muted = await service.audience(thread)
    recipients = {user: "reply" for user in watching}
    recipients.update(await _addressed(body))
    recipients = {user: kind for user, kind in recipients.items()
                  if user not in muted and user != author_id}  # fmt: skip
    replies = [user for user, kind in recipients.items() if kind == "reply"]
    folded = await service.fold_replies(replies, thread.id)
    # The folded get no row, so only the others' channels are needed (and their account
    # rows warmed for the turn: see channels_of); one unfolded since is read in the turn.
    told = [user for user in recipients if user not in folded.users]
    return recipients, folded, await service.channels_of(told)


@events.prepares(events.PostCreated)
async def reply_recipients(thread: Thread, author_id: int, body: str) -> dict[Any, Any]:
    """Read before the reply's transaction. A watch, mute or channel set meanwhile counts as
    set just after the post; a notification read meanwhile is checked again (still_folded)."""
    return {("reply-recipients", thread.id): await _reply_recipients(thread, author_id, body)}


@events.subscribe(events.PostCreated)
async def new_post(event: events.PostCreated) -> None:
    post = await threads.event_post(event.post_id)
    thread = post.thread
    recipients, folded, channels = await events.shared(
        ("reply-recipients", thread.id),
        lambda: _reply_recipients(thread, post.author_id, post.body),
    )
    still = await service.still_folded(folded, thread.id)
    await service.notify(
        {user: kind for user, kind in recipients.items() if user not in still},
        actor_id=post.author_id, thread_id=thread.id, post_id=post.id, url=f"/p/{post.id}",
        channels=channels,
    )  # fmt: skip
    await service.watch_as_participant(post.author_id, thread, post.number)


@events.subscribe(events.LikeGiven)
async def like(event: events.LikeGiven) -> None:
    await service.notify_like(await Post.get(id=event.post_id), event.actor_id)


@events.subscribe(events.SolutionAccepted)
async def solution(event: events.SolutionAccepted) -> None:
    thread = await Thread.get(id=event.thread_id)
    recipients = {event.author_id: "accepted"}
    if thread.author_id != event.author_id:
        recipients[thread.author_id] = "solved"
    await service.notify(recipients, actor_id=event.actor_id, thread_id=thread.id,
                         post_id=event.post_id, url=f"/p/{event.post_id}")  # fmt: skip


@events.subscribe(events.StaffActed)
async def staff_action(event: events.StaffActed) -> None:
    """The author of a post staff hid, deleted, edited, refused or let in is told, with the
    moderator's reason."""
    kind = STAFF_ACTIONS.get(event.action)
    if kind is None or event.target_type != "post":
        return
    post = await Post.filter(id=event.target_id).first()
    if post is None:
        return
    # A deleted post cannot be opened: its thread can.
    url = f"/t/{post.thread_id}" if kind in ("post_deleted", "post_rejected") else f"/p/{post.id}"
    await service.notify({post.author_id: kind}, actor_id=event.actor_id,
                         thread_id=post.thread_id, post_id=post.id, text=event.reason,
                         url=url)  # fmt: skip


@events.subscribe(events.FlagsResolved)
async def flags_resolved(event: events.FlagsResolved) -> None:
    """Each member who flagged the post hears how it was decided."""
    post = await Post.filter(id=event.post_id).first()
    if post is None:
        return
    kind = "flag_upheld" if event.resolution == "upheld" else "flag_dismissed"
    await service.notify(
        {user: kind for user in event.flagger_ids}, actor_id=event.actor_id,
        thread_id=post.thread_id, post_id=post.id, url=f"/t/{post.thread_id}",
    )  # fmt: skip
