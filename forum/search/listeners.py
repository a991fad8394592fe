"""The search index follows every change to what is shown, in the change's own transaction:
a post written or approved, edited, hidden or shown again, deleted or restored, and a thread
renamed, merged or split. Moves need nothing: results read the thread's category as it is."""

from __future__ import annotations

from forum import events
from forum.search import service
from forum.threads import service as threads
from forum.threads.models import Post, Thread


@events.subscribe(events.ThreadCreated)
async def thread_started(event: events.ThreadCreated) -> None:
    await service.index_posts([event.post_id])


@events.subscribe(events.PostCreated)
async def post_created(event: events.PostCreated) -> None:
    await service.index_loaded([await threads.event_post(event.post_id)])


@events.subscribe(events.PostHidden)
@events.subscribe(events.PostUnhidden)
async def post_changed(event: events.PostHidden | events.PostUnhidden) -> None:
    await service.index_posts([event.post_id])


async def _opening_or_post(post_id: int, thread_id: int) -> None:
    """An opening post speaks for its thread: its title (every post carries it), and whether
    the thread is deleted. Anything else is the one post."""
    number = await Post.filter(id=post_id).values_list("number", flat=True)
    if number == [1]:
        await service.index_thread(thread_id)
    else:
        await service.index_posts([post_id])


@events.subscribe(events.PostEdited)
async def post_edited(event: events.PostEdited) -> None:
    [thread_id] = await Post.filter(id=event.post_id).values_list("thread_id", flat=True)
    await _opening_or_post(event.post_id, thread_id)


@events.subscribe(events.PostDeleted)
@events.subscribe(events.PostRestored)
async def post_deleted_or_restored(event: events.PostDeleted | events.PostRestored) -> None:
    await _opening_or_post(event.post_id, event.thread_id)


@events.subscribe(events.StaffActed)
async def thread_reshaped(event: events.StaffActed) -> None:
    if event.target_type != "thread":
        return
    if event.action == "rename_thread":
        await service.index_thread(event.target_id)
    elif event.action in ("merge_thread", "split_thread"):
        # Merge: the source's posts now live in the target (and carry its title); split: the
        # chosen replies opened a new thread. The source's notice names the other thread.
        notice = await Thread.filter(id=event.target_id).values_list("notice_text", flat=True)
        for thread_id in (event.target_id, *(int(n) for n in notice if n.isdigit())):
            await service.index_thread(thread_id)
