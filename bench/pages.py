"""In-process timing of key pages (no network): median and p99 render time and query count.

    DATA_DIR=/tmp/bench .venv/bin/python run.py migrate
    DATA_DIR=/tmp/bench .venv/bin/python run.py demo --scale 20000
    DATA_DIR=/tmp/bench .venv/bin/python bench/pages.py

The load benchmark against a real server (wrk, concurrency, growth, PostgreSQL) comes with the
performance issue; this script is the quick check used while building pages.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
from itsdangerous import Signer  # noqa: E402
from tortoise import Tortoise  # noqa: E402

from forum import db, web  # noqa: E402
from forum.accounts import service as accounts  # noqa: E402
from forum.accounts.models import User  # noqa: E402
from forum.app import create_app  # noqa: E402
from forum.settings import settings  # noqa: E402
from forum.threads.models import Category, Thread  # noqa: E402

ROUNDS = 100


class _Count(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.queries = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE")):
            self.queries += 1


async def _measure(client: httpx.AsyncClient, url: str) -> tuple[int, float, float, int]:
    await client.get(url)  # warm caches
    counter = _Count()
    logger = logging.getLogger("tortoise.db_client")
    logger.addHandler(counter)
    logger.setLevel(logging.DEBUG)
    response = await client.get(url)
    logger.removeHandler(counter)
    logger.setLevel(logging.WARNING)
    assert response.status_code == 200, (url, response.status_code)
    timings = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        await client.get(url)
        timings.append(time.perf_counter() - start)
    timings.sort()
    median = timings[len(timings) // 2] * 1000
    p99 = timings[int(len(timings) * 0.99) - 1] * 1000
    return counter.queries, median, p99, len(response.content)


async def main() -> None:
    await Tortoise.init(config=db.tortoise_config())
    big = await Thread.filter(deleted_at__isnull=True).order_by("-post_count").first()
    if big is None:
        sys.exit("no threads: run `run.py demo` first")
    category = await Category.filter(archived=False).order_by("-thread_count").first()
    manager = await User.filter(role="manager").first()
    transport = httpx.ASGITransport(app=create_app())
    guest = httpx.AsyncClient(transport=transport, base_url="http://bench")
    staff = httpx.AsyncClient(transport=transport, base_url="http://bench")
    signer = Signer(settings.secret_key, salt="forum-session")
    staff.cookies.set(web.COOKIE_NAME, signer.sign(await accounts.start_session(manager)).decode())
    # A member who has posted in the big thread: the page also reads their watching level,
    # read position and unread count.
    poster = await User.filter(id=big.last_poster_id).first() or manager
    member = httpx.AsyncClient(transport=transport, base_url="http://bench")
    member.cookies.set(web.COOKIE_NAME, signer.sign(await accounts.start_session(poster)).decode())
    pages = [
        ("home (guest)", guest, "/"),
        (f"category {category.slug} (guest)", guest, category.url),
        (f"thread {big.id}, {big.post_count} posts, page 1 (guest)", guest, big.url),
        (f"same thread, last page {big.page_count}", guest, f"{big.url}?page={big.page_count}"),
        ("same thread, page 1 (member)", member, big.url),
        ("home (member)", member, "/"),
        ("notifications (member)", member, "/notifications"),
        ("search a common word: battery", guest, "/search?q=battery"),
        ("search two words: firmware update", guest, "/search?q=firmware+update"),
        ('search a phrase: "battery life"', guest, "/search?q=%22battery+life%22"),
        ("search Russian: батарея", guest, "/search?q=%D0%B1%D0%B0%D1%82%D0%B0%D1%80%D0%B5%D1%8F"),
        ("search a word nobody wrote", guest, "/search?q=xylophone"),
        (
            f"search battery in {category.slug}, solved",
            guest,
            f"/search?q=battery&category={category.slug}&status=solved",
        ),
        (
            "similar threads for a typed title",
            member,
            "/search/similar?title=Battery+drains+after+the+firmware+update",
        ),
        ("dashboard /admin (manager)", staff, "/admin"),
        ("review queue (manager)", staff, "/mod/queue"),
    ]
    print(f"{'page':58} {'queries':>7} {'median ms':>10} {'p99 ms':>8} {'bytes':>7}")
    for name, client, url in pages:
        queries, median, p99, size = await _measure(client, url)
        print(f"{name:58} {queries:>7} {median:>10.2f} {p99:>8.2f} {size:>7}")
    await guest.aclose()
    await staff.aclose()
    await member.aclose()
    await Tortoise.close_connections()


if __name__ == "__main__":
    asyncio.run(main())
