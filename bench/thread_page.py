"""In-process timing of one thread page (no network): median render time and query count.

    DATA_DIR=/tmp/bench .venv/bin/python run.py migrate
    DATA_DIR=/tmp/bench .venv/bin/python run.py demo --scale 2000
    DATA_DIR=/tmp/bench .venv/bin/python bench/thread_page.py

The load benchmark against a real server (wrk, concurrency, growth, PostgreSQL) comes with the
performance issue; this script is the quick check used while building pages.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
from tortoise import Tortoise  # noqa: E402

from forum import db  # noqa: E402
from forum.app import create_app  # noqa: E402
from forum.threads.models import Thread  # noqa: E402

ROUNDS = 300


class _Count(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.queries = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE")):
            self.queries += 1


async def main() -> None:
    await Tortoise.init(config=db.tortoise_config())
    thread = await Thread.filter(post_count__gte=20).order_by("-post_count").first()
    if thread is None:
        sys.exit("no thread with 20 posts: run `run.py demo` first")
    app = create_app()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        url = f"/t/{thread.id}/{thread.slug}"
        await client.get(url)  # warm the template and settings caches
        counter = _Count()
        logger = logging.getLogger("tortoise.db_client")
        logger.addHandler(counter)
        logger.setLevel(logging.DEBUG)
        await client.get(url)
        logger.removeHandler(counter)
        logger.setLevel(logging.WARNING)
        timings = []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            response = await client.get(url)
            timings.append(time.perf_counter() - start)
            assert response.status_code == 200
    timings.sort()
    print(f"thread {thread.id} ({thread.post_count} posts), page 1 as a guest")
    print(f"queries per page: {counter.queries}")
    print(
        f"median {statistics.median(timings) * 1000:.2f} ms, "
        f"p99 {timings[int(len(timings) * 0.99) - 1] * 1000:.2f} ms over {ROUNDS} requests"
    )
    print(f"html size: {len(response.content)} bytes")
    await Tortoise.close_connections()


if __name__ == "__main__":
    asyncio.run(main())
