"""Guests' pages, cached briefly and keyed by a content version that every write bumps.

Every guest sees the same page at the same address in the same language, so one render can
serve them all until something changes. The version is a row in the database: every unsafe
request bumps it once its write has committed (the session middleware does it, so no handler
can forget), as do the worker and the command line. Each worker keeps its own cache, and every
cached page is checked against the version first, so no worker and no server sharing the
database serves a page from before a write it did not see. Pages are kept compressed.

A busy verb (a reply) writes in `writing()`: on SQLite that moves the version in the write's
own transaction, and the middleware bumps again only if the request wrote after it, sparing
each reply a second turn in SQLite's one queue of writers.
"""

from __future__ import annotations

import contextlib
import contextvars
import gzip
import hashlib
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Iterator
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope
from tortoise import Tortoise, fields
from tortoise.models import Model
from tortoise.transactions import in_transaction

from forum import db, i18n, sqlite_engine, web

# Relative times ("3 minutes ago") and time-driven changes stay this fresh without a write.
MAX_AGE_SECONDS = 60.0
# Pages per worker; kept compressed, a thread page is about 5 KB.
MAX_ENTRIES = 2000
COMPRESS_LEVEL = 6
# Shared reads per worker (see shared()); a page of posts is about 100 KB of objects.
SHARED_ENTRIES = 500
VERSION_KEY = "forum.content_version"

Handler = Callable[[Request], Awaitable[Response]]
T = TypeVar("T")


class ContentVersion(Model):
    """One row (id 1): how many writes the community has seen."""

    id = fields.IntField(primary_key=True)
    value = fields.BigIntField(default=0)

    class Meta:
        table = "content_version"


async def version() -> int | None:
    """The current version; None if the row is missing (then nothing is cached)."""
    rows = await db.fetch("SELECT value FROM content_version WHERE id = 1")
    return rows[0]["value"] if rows else None


async def request_version(scope: Scope) -> int | None:
    """The version as this request first read it: one read per request, however many
    cached things it looks at."""
    if VERSION_KEY not in scope:
        scope[VERSION_KEY] = await version()
    return scope[VERSION_KEY]


async def bump() -> None:
    """Tell every worker that what guests see may have changed."""
    await db.execute("UPDATE content_version SET value = value + 1 WHERE id = 1")


@dataclass
class _Writes:
    """An unsafe request's write turns as the SQLite engine counts them, and their count when
    one of them moved the version in its own transaction."""

    turns: list[int]
    moved_at: int | None = None


_request_writes: contextvars.ContextVar[_Writes | None] = contextvars.ContextVar(
    "request_writes", default=None
)


@contextlib.contextmanager
def counting_writes() -> Iterator[None]:
    """Count the write turns of the unsafe request running inside (the session middleware)."""
    writes = _Writes(turns=[0])
    tokens = _request_writes.set(writes), sqlite_engine.turns.set(writes.turns)
    try:
        yield
    finally:
        _request_writes.reset(tokens[0])
        sqlite_engine.turns.reset(tokens[1])


def bump_owed() -> bool:
    """Whether the request must still bump: it wrote, or may have, since the version last
    moved with one of its writes (always, where writes are not counted)."""
    writes = _request_writes.get()
    return writes is None or writes.moved_at != writes.turns[0]


@contextlib.asynccontextmanager
async def writing() -> AsyncIterator[None]:
    """A transaction (as in_transaction) that also moves the version in its own commit when
    the request's write turns are counted (SQLite): the request then owes no bump for it.
    Elsewhere (PostgreSQL, where a write of its own waits in no queue, or outside a request)
    it is a plain transaction, and the middleware bumps after it as after any write."""
    writes = _request_writes.get()
    if writes is not None and not sqlite_engine.counts_turns(Tortoise.get_connection("default")):
        writes = None
    async with in_transaction():
        yield
        if writes is not None:
            await bump()
    if writes is not None:  # committed: owed again only after another write turn
        writes.moved_at = writes.turns[0]


@dataclass
class Page:
    version: int
    stored_at: float
    body: bytes  # gzip-compressed
    headers: dict[str, str]  # the handler's own (type, validators, cache-control), and an ETag
    last_modified: datetime | None


_pages: OrderedDict[tuple[str, str, str], Page] = OrderedDict()
_shared: OrderedDict[Hashable, tuple[int, Any]] = OrderedDict()
_shared_version = -1  # the newest version shared reads were made at


def forget() -> None:
    """Drop every cached page and shared read (tests start each from an empty database)."""
    global _shared_version
    _pages.clear()
    _shared.clear()
    _shared_version = -1


async def shared(scope: Scope, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
    """What `load` returns, read once per content version and shared by every request of
    this worker, members' too: the parts of a page that are the same whoever reads them (a
    thread's posts, their authors' tiers) and a session's member. The caller must not change
    what it gets."""
    global _shared_version
    current = await request_version(scope)
    if current is not None and current > _shared_version:
        # Everything read before this write is of no more use: free it now rather than
        # when the same key comes again.
        _shared.clear()
        _shared_version = current
    found = _shared.get(key)
    if current is not None and found is not None and found[0] == current:
        _shared.move_to_end(key)
        return found[1]
    value = await load()
    if current is not None and current == _shared_version:
        _shared[key] = (current, value)
        _shared.move_to_end(key)
        while len(_shared) > SHARED_ENTRIES:
            _shared.popitem(last=False)
    return value


def _cacheable(request: Request) -> bool:
    # A guest with a session cookie may see things of their own (a form's token, say).
    return request.method == "GET" and request.scope.get(web.SESSION_KEY) is None


# The handler's headers a cached copy keeps; the rest (length, cookies) are per response.
_KEPT_HEADERS = ("content-type", "etag", "last-modified", "cache-control", "content-disposition")


def _page(response: Response, current: int) -> Page:
    body = bytes(response.body)
    headers = {name: response.headers[name] for name in _KEPT_HEADERS if name in response.headers}
    # A handler's own validator (a feed's) stands; otherwise the bytes name the version.
    headers.setdefault("etag", f'W/"{hashlib.blake2b(body, digest_size=8).hexdigest()}"')
    headers["vary"] = "Accept-Encoding"
    last_modified = None
    if "last-modified" in headers:
        last_modified = parsedate_to_datetime(headers["last-modified"])
    return Page(
        version=current,
        stored_at=time.monotonic(),
        body=gzip.compress(body, COMPRESS_LEVEL, mtime=0),
        headers=headers,
        last_modified=last_modified,
    )


def _answer(request: Request, page: Page) -> Response:
    if web.not_modified(request, page.headers["etag"], page.last_modified):
        return Response(status_code=304, headers=page.headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        return Response(page.body, headers={**page.headers, "content-encoding": "gzip"})
    return Response(gzip.decompress(page.body), headers=page.headers)


def guest_cached(
    handler: Handler | None = None, *, on_hit: Callable[[Request], None] | None = None
) -> Handler | Callable[[Handler], Handler]:
    """Serve a GET page to guests from the cache while the content version holds. `on_hit`
    runs when a cached page is served instead of the handler (to count a thread's view)."""

    def decorate(handler: Handler) -> Handler:
        async def cached(request: Request) -> Response:
            if not _cacheable(request):
                return await handler(request)
            current = await request_version(request.scope)
            key = (request.url.path, request.url.query, i18n.current_language())
            page = _pages.get(key)
            if (
                page is not None
                and page.version == current
                and time.monotonic() - page.stored_at < MAX_AGE_SECONDS
            ):
                _pages.move_to_end(key)
                if on_hit is not None:
                    on_hit(request)
                return _answer(request, page)
            response = await handler(request)
            if (
                current is None
                or response.status_code != 200
                or request.scope.get(web.SET_COOKIE) is not None
                or not hasattr(response, "body")  # a streamed file
            ):
                return response
            page = _page(response, current)
            _pages[key] = page
            _pages.move_to_end(key)
            while len(_pages) > MAX_ENTRIES:
                _pages.popitem(last=False)
            return _answer(request, page)

        cached.__name__ = handler.__name__
        cached.__doc__ = handler.__doc__
        return cached

    return decorate(handler) if handler is not None else decorate
