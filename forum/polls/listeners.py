"""Polls react to replies: a staff reply marked as the follow-up answers the thread's poll."""

from __future__ import annotations

from forum import events
from forum.polls import service
from forum.threads.models import Post


@events.subscribe(events.PostCreated)
async def follow_up(event: events.PostCreated) -> None:
    if not event.follow_up:
        return
    post = await Post.get(id=event.post_id).select_related("author")
    await service.record_follow_up(post)
