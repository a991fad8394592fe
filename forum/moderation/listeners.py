"""Moderation reacts to what other features announce."""

from __future__ import annotations

from forum import events
from forum.moderation.models import SYSTEM_REASON, Flag


@events.subscribe(events.WatchedWordsFound)
async def flag_watched_words(event: events.WatchedWordsFound) -> None:
    """A post with a watched word goes to the review queue as a flag from the forum itself."""
    await Flag.create(post_id=event.post_id, user=None, reason=SYSTEM_REASON,
                      note=", ".join(event.words))  # fmt: skip
