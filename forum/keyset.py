"""Keyset cursors for lists paged by (moment, id), newest first: "<unix microseconds>-<id>".

Every such list (latest threads, a tag's threads, new and unread, bookmarks) writes and reads
its `?after=` the same way."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypeVar

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

Q_ = TypeVar("Q_", bound=QuerySet)
# The largest id an integer column holds (PostgreSQL's integer; SQLite's are wider).
MAX_ID = 2**31 - 1


def parse(cursor: str | None) -> tuple[datetime, int] | None:
    """(moment, id) from a cursor; anything malformed means the first page."""
    try:
        micros, row_id = (cursor or "").split("-")
        moment, key = datetime.fromtimestamp(int(micros) / 1_000_000, UTC), int(row_id)
    except (ValueError, OverflowError, OSError):  # not numbers, or beyond any date
        return None
    # Beyond an integer column, the database would refuse to compare it rather than find nothing.
    return (moment, key) if 0 <= key <= MAX_ID else None


def make(moment: datetime, row_id: int) -> str:
    return f"{int(moment.timestamp() * 1_000_000)}-{row_id}"


def older(query: Q_, cursor: str | None, moment: str = "last_posted_at", key: str = "id") -> Q_:
    """The query narrowed to the rows after the cursor, in (moment, key) descending order."""
    position = parse(cursor)
    if position is None:
        return query
    at, row_id = position
    return query.filter(Q(**{f"{moment}__lt": at}) | Q(**{moment: at, f"{key}__lt": row_id}))
