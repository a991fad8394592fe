"""The append-only activity log, and the way features react to each other.

A service verb announces what happened with `await record(PostCreated(...))`, inside its own
transaction. The event is stored as a row, then every listener subscribed to its type runs in the
same transaction, so the action and its effects (points, notifications, counts) exist together or
not at all. Lower features never import higher ones; higher ones subscribe here.

A verb that happens often (a reply) may also `prepare` its event before the transaction: the
listeners' reads that do not depend on the new rows run then, outside SQLite's one writer turn
that every process waits for.
"""

from __future__ import annotations

import contextvars
import dataclasses
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from tortoise import fields
from tortoise.models import Model


class Event(Model):
    id = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=64)
    actor_id = fields.IntField(null=True)
    data = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "event"
        indexes = (("kind", "created_at"),)


@dataclasses.dataclass(frozen=True)
class Happened:
    """Base of every event: who did it (None for the system)."""

    actor_id: int | None


@dataclasses.dataclass(frozen=True)
class UserRegistered(Happened):
    user_id: int


@dataclasses.dataclass(frozen=True)
class AccountDeleted(Happened):
    """A member deleted their account: their posts were kept ("keep", shown as a deleted
    member) or removed ("remove"), and what the forum held about them is gone."""

    user_id: int
    posts: str


@dataclasses.dataclass(frozen=True)
class ThreadCreated(Happened):
    thread_id: int
    post_id: int
    category_id: int
    # True for a thread the forum opened on the member's behalf (a guest post's discussion).
    opened_for_member: bool = False


@dataclasses.dataclass(frozen=True)
class PostCreated(Happened):
    post_id: int
    thread_id: int
    number: int
    # The author marked it as the follow-up to the thread's poll (staff only; polls decide).
    follow_up: bool = False


@dataclasses.dataclass(frozen=True)
class PostHeld(Happened):
    """A new member's post waits for a moderator; PostCreated follows when it is approved."""

    post_id: int
    thread_id: int


@dataclasses.dataclass(frozen=True)
class WatchedWordsFound(Happened):
    """A new post contains words the manager asked to be flagged for review."""

    post_id: int
    words: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class PostEdited(Happened):
    post_id: int
    revision_id: int


@dataclasses.dataclass(frozen=True)
class PostDeleted(Happened):
    post_id: int
    thread_id: int


@dataclasses.dataclass(frozen=True)
class PostRestored(Happened):
    post_id: int
    thread_id: int


@dataclasses.dataclass(frozen=True)
class PostHidden(Happened):
    post_id: int
    reason: str


@dataclasses.dataclass(frozen=True)
class PostUnhidden(Happened):
    post_id: int


@dataclasses.dataclass(frozen=True)
class LikeGiven(Happened):
    post_id: int
    author_id: int


@dataclasses.dataclass(frozen=True)
class LikeWithdrawn(Happened):
    post_id: int
    author_id: int


@dataclasses.dataclass(frozen=True)
class SolutionAccepted(Happened):
    thread_id: int
    post_id: int
    author_id: int


@dataclasses.dataclass(frozen=True)
class SolutionWithdrawn(Happened):
    thread_id: int
    post_id: int
    author_id: int


@dataclasses.dataclass(frozen=True)
class StaffActed(Happened):
    """A line in the moderators' audit log (actor None: the forum itself, e.g. after flags)."""

    action: str
    target_type: str
    target_id: int
    reason: str


@dataclasses.dataclass(frozen=True)
class FlagsResolved(Happened):
    """Staff decided on a post's open flags: "upheld" or "dismissed"."""

    post_id: int
    resolution: str
    flagger_ids: tuple[int, ...]


@dataclasses.dataclass(frozen=True)
class PointsAdjusted(Happened):
    """The manager changed a member's points by hand."""

    user_id: int
    points: int
    reason: str


@dataclasses.dataclass(frozen=True)
class BadgeGranted(Happened):
    """The manager awarded a badge; `expires_at` is an ISO timestamp or empty."""

    badge_id: int
    user_id: int
    reason: str
    expires_at: str


@dataclasses.dataclass(frozen=True)
class GuestPostMoved(Happened):
    """A guest post moved in its workflow (from_state empty: it was just invited or pitched)."""

    post_id: int
    action: str
    from_state: str
    to_state: str
    note: str


@dataclasses.dataclass(frozen=True)
class GuestPostCommented(Happened):
    """An editorial comment (comment_id 0: the author proposed a correction)."""

    post_id: int
    comment_id: int


E = TypeVar("E", bound=Happened)
T = TypeVar("T")
Listener = Callable[[Any], Awaitable[None]]
_listeners: dict[type[Happened], list[Listener]] = defaultdict(list)


def subscribe(event_type: type[E]) -> Callable[[Callable[[E], Awaitable[None]]], Any]:
    """Decorator: run the function for every recorded event of this type."""

    def register(listener: Callable[[E], Awaitable[None]]) -> Callable[[E], Awaitable[None]]:
        _listeners[event_type].append(listener)
        return listener

    return register


Preparer = Callable[..., Awaitable[dict[Any, Any]]]
_preparers: dict[type[Happened], list[Preparer]] = defaultdict(list)


def prepares(event_type: type[Happened]) -> Callable[[Preparer], Preparer]:
    """Decorator: a function that reads, before the verb's transaction, what the listeners of
    this event will need (it gets what the verb names in `prepare`), and returns it under
    shared()'s keys. What it reads may change before the write: use it only where a change
    in between is as if it came just after, or check it again in the listener."""

    def register(preparer: Preparer) -> Preparer:
        _preparers[event_type].append(preparer)
        return preparer

    return register


async def prepare(event_type: type[Happened], **subject: Any) -> dict[Any, Any]:
    """What the preparers of `event_type` read for the verb about to record one: give it to
    record() as `loaded`."""
    loaded: dict[Any, Any] = {}
    for preparer in _preparers[event_type]:
        loaded.update(await preparer(**subject))
    return loaded


# The stored row of the event whose listeners are running: its id makes an idempotency key,
# its time the moment to book things at (so a replay books them at the same moments).
_current: contextvars.ContextVar[Event | None] = contextvars.ContextVar("event", default=None)


def current() -> Event:
    """The stored event the running listener was called for."""
    row = _current.get()
    assert row is not None, "events.current() outside a listener"
    return row


async def record(event: Happened, loaded: dict[Any, Any] | None = None) -> Event:
    """Store the event and run its listeners; call it inside the verb's transaction.
    `loaded`: what the verb already holds, under shared()'s keys, so no listener reads it."""
    data = dataclasses.asdict(event)
    actor_id = data.pop("actor_id")
    row = await Event.create(kind=type(event).__name__, actor_id=actor_id, data=data)
    await dispatch(event, row, loaded=loaded)
    return row


# What the listeners of the running event have loaded (see shared()).
_shared: contextvars.ContextVar[dict[Any, Any] | None] = contextvars.ContextVar(
    "event_shared", default=None
)


async def shared(key: Any, load: Callable[[], Awaitable[T]]) -> T:
    """What `load` returns, loaded once for all the listeners of the running event (each
    listener of a new post reads that post: one query, not one per feature). Read-only:
    a listener must not change what it gets."""
    memo = _shared.get()
    if memo is None:
        return await load()
    if key not in memo:
        memo[key] = await load()
    return memo[key]


async def dispatch(
    event: Happened, row: Event, only: Any = None, loaded: dict[Any, Any] | None = None
) -> None:
    """Run the listeners of an event (only those of module `only`, when replaying one
    feature's reactions from the log)."""
    token, memo = _current.set(row), _shared.set(dict(loaded or {}))
    try:
        for listener in _listeners[type(event)]:
            if only is None or listener.__module__ == only.__name__:
                await listener(event)
    finally:
        _current.reset(token)
        _shared.reset(memo)


def parse(row: Event) -> Happened | None:
    """The event a stored row records (None for a kind this code no longer knows)."""
    kind = _kinds().get(row.kind)
    if kind is None:
        return None
    data = dict(row.data)
    for name, value in data.items():
        if isinstance(value, list):
            data[name] = tuple(value)
    return kind(actor_id=row.actor_id, **data)


def _kinds() -> dict[str, type[Happened]]:
    found, pending = {}, [Happened]
    while pending:
        for sub in pending.pop().__subclasses__():
            found[sub.__name__] = sub
            pending.append(sub)
    return found
