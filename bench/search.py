"""Search on a big demo database: median and p95 of search() and of similar threads.

DATA_DIR=/tmp/d1m .venv/bin/python run.py migrate
DATA_DIR=/tmp/d1m .venv/bin/python run.py demo --scale 1000000
DATA_DIR=/tmp/d1m .venv/bin/python bench/search.py
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tortoise import Tortoise  # noqa: E402

from forum import db  # noqa: E402
from forum.search import service as search  # noqa: E402

ROUNDS = 15
QUERIES = ["battery", "firmware update", '"battery life"', "батарея", "pil", "xylophone",
           "bluetooth -watch", "Lumio Buds Pro", "şarj", "обновление прошивки",
           "reset"]  # fmt: skip
TITLES = ["Battery drains after the firmware update", "Buds do not pair with my phone",
          "Saat şarj olmuyor"]  # fmt: skip


async def _time(call) -> tuple[float, float, object]:
    await call()  # warm
    timings = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        result = await call()
        timings.append(time.perf_counter() - start)
    timings.sort()
    return timings[len(timings) // 2] * 1000, timings[int(len(timings) * 0.95) - 1] * 1000, result


async def main() -> None:
    await Tortoise.init(config=db.tortoise_config())
    print(f"{'search':40} {'median ms':>10} {'p95 ms':>8}  threads")
    for query in QUERIES:
        median, p95, results = await _time(lambda q=query: search.search(q, log=False))
        found = f"{results.total}{'+' if results.more else ''}"
        print(f"{query:40} {median:>10.1f} {p95:>8.1f}  {found}")
    for title in TITLES:
        median, p95, found = await _time(lambda t=title: search.similar_threads(t))
        print(f"{'similar: ' + title:40} {median:>10.1f} {p95:>8.1f}  {len(found)}")
    await Tortoise.close_connections()


if __name__ == "__main__":
    asyncio.run(main())
