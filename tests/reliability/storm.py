"""A write storm: many signed-in members posting replies at once over real HTTP.

Each member is one line of bench/prepare.py's posters file (the reply form's path, their
session cookie, their CSRF token). A member posts at most POSTS_PER_MINUTE times in any 61
seconds, counted from when the forum answered, so the forum's own limit (6 a minute, in fixed
windows) never refuses one: every request is meant to be acknowledged.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy

import httpx

POSTS_PER_MINUTE = 6
# Seconds a member's oldest counted post must be behind them: the forum's window and a margin.
WINDOW = 61.0


@dataclass
class Poster:
    path: str
    cookie: str
    csrf: str
    answered: deque = field(default_factory=lambda: deque(maxlen=POSTS_PER_MINUTE))

    def wait(self, now: float) -> float:
        """Seconds until this member may post again without meeting the forum's limit."""
        if len(self.answered) < POSTS_PER_MINUTE:
            return 0.0
        return max(0.0, self.answered[0] + WINDOW - now)


@dataclass
class Storm:
    """What the storm saw: every answer, and the text of each reply the forum acknowledged
    (a 303 to the new post) with the moment it was acknowledged."""

    sent: int = 0
    statuses: Counter = field(default_factory=Counter)
    acknowledged: dict[str, float] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)
    locked: list[str] = field(default_factory=list)
    # Requests with no answer (the server was killed under them): neither counted nor lost.
    unanswered: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        return (
            f"{self.sent} sent, {len(self.acknowledged)} acknowledged, statuses"
            f" {dict(self.statuses)}, unanswered {dict(self.unanswered)}"
        )


async def storm(
    base_url: str,
    posters: list[Poster],
    seconds: float,
    *,
    tag: str,
    concurrency: int = 64,
    stop: asyncio.Event | None = None,
) -> Storm:
    """`concurrency` members at a time post replies for `seconds` (or until `stop` is set)."""
    seen = Storm()
    queue: asyncio.Queue[Poster] = asyncio.Queue()
    for poster in posters:
        queue.put_nowait(poster)
    deadline = time.monotonic() + seconds
    stop = stop or asyncio.Event()
    numbers = itertools.count(1)
    # No cookie jar: each request carries its member's own session cookie and nothing else.
    jar = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
    # Idle connections are dropped before the server's keep-alive timeout (5 s) can close one
    # just as a request goes out on it (a race of HTTP keep-alive, not an error of the forum).
    limits = httpx.Limits(
        max_connections=concurrency, max_keepalive_connections=concurrency, keepalive_expiry=2.0
    )
    timeout = httpx.Timeout(60.0, connect=10.0)

    def over() -> bool:
        return stop.is_set() or time.monotonic() >= deadline

    async def member_after_member(client: httpx.AsyncClient) -> None:
        while not over():
            poster = await queue.get()  # the member who posted longest ago
            if (pause := poster.wait(time.monotonic())) > 0:
                queue.put_nowait(poster)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), min(pause, deadline - time.monotonic()))
                continue
            try:
                await _post(client, poster, f"Storm {tag} reply {next(numbers)}", seen)
            finally:
                queue.put_nowait(poster)

    async with httpx.AsyncClient(
        base_url=base_url, cookies=httpx.Cookies(jar), limits=limits, timeout=timeout,
        follow_redirects=False,
    ) as client:  # fmt: skip
        await asyncio.gather(*(member_after_member(client) for _ in range(concurrency)))
    return seen


async def _post(client: httpx.AsyncClient, poster: Poster, text: str, seen: Storm) -> None:
    body = f"{text}: the update fixed the pairing for me, thanks for the tip!"
    seen.sent += 1
    try:
        response = await client.post(
            poster.path,
            data={"body": body, "csrf_token": poster.csrf},
            headers={"Cookie": poster.cookie},
        )
    except httpx.TransportError as error:
        seen.unanswered[type(error).__name__] += 1
        poster.answered.append(time.monotonic())  # the forum may have counted it
        return
    poster.answered.append(time.monotonic())
    seen.statuses[response.status_code] += 1
    if response.status_code >= 500:
        seen.server_errors.append(f"{response.status_code}: {response.text[:300]}")
    if "locked" in response.text.lower():
        seen.locked.append(f"{response.status_code}: {response.text[:300]}")
    if response.status_code == 303 and "/t/" in response.headers.get("location", ""):
        seen.acknowledged[body] = time.monotonic()
