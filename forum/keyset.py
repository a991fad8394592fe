"""Keyset cursors for lists paged by (moment, id), newest first: "<unix microseconds>-<id>".

Every such list (latest threads, a tag's threads, new and unread, bookmarks) writes and reads
its `?after=` the same way."""

from __future__ import annotations

from datetime import UTC, datetime


def parse(cursor: str | None) -> tuple[datetime, int] | None:
    """(moment, id) from a cursor; anything malformed means the first page."""
    try:
        micros, row_id = (cursor or "").split("-")
        return datetime.fromtimestamp(int(micros) / 1_000_000, UTC), int(row_id)
    except ValueError:
        return None


def make(moment: datetime, row_id: int) -> str:
    return f"{int(moment.timestamp() * 1_000_000)}-{row_id}"
