"""Fixed-window rate limits kept in the database, so every server process shares them."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from tortoise import fields
from tortoise.models import Model

from forum import db


class RateCounter(Model):
    # "<what>:<who>:<window number>"; `who` is a user id or a keyed hash of an IP address.
    key = fields.CharField(max_length=160, primary_key=True)
    count = fields.IntField(default=0)
    expires_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "rate_counter"


def _key(name: str, who: str | int, window: int) -> tuple[str, int]:
    number = int(time.time()) // window
    return f"{name}:{who}:{number}", number


async def count(name: str, who: str | int, window: int) -> int:
    """How many times `name` was hit by `who` in the current window of `window` seconds."""
    key, _ = _key(name, who, window)
    rows = await db.fetch("SELECT count FROM rate_counter WHERE key = ?", key)
    return rows[0]["count"] if rows else 0


async def hit(name: str, who: str | int, window: int) -> int:
    """Count one more and return the new count for the current window: one statement, so
    concurrent requests each see their own count and the write lock is held once."""
    key, number = _key(name, who, window)
    expires = datetime.fromtimestamp((number + 1) * window, UTC) + timedelta(seconds=1)
    rows = await db.fetch(
        "INSERT INTO rate_counter (key, count, expires_at) VALUES (?, 1, ?)"
        " ON CONFLICT (key) DO UPDATE SET count = rate_counter.count + 1 RETURNING count",
        key, expires,
    )  # fmt: skip
    return rows[0]["count"]


async def reset(name: str, who: str | int, window: int) -> None:
    key, _ = _key(name, who, window)
    await RateCounter.filter(key=key).delete()


async def forget(who: str | int) -> int:
    """Delete every counter of `who` (a member who deleted their account). Names hold no
    colon, so ":<who>:" matches that part of a key and nothing else."""
    return await RateCounter.filter(key__contains=f":{who}:").delete()


async def prune() -> int:
    """Delete expired counters; the worker calls this now and then."""
    return await RateCounter.filter(expires_at__lt=datetime.now(UTC)).delete()
