"""The reply run of `make bench` alone, twice, for a quick look at write throughput.

    .venv/bin/python bench/replies.py 1000000    # or 10000; the data of `make bench`
    .venv/bin/python bench/replies.py 1000000 --pages   # after the page runs, as make bench

It starts the server, posters and wrk exactly as bench/load.py does (each run starts on a new
minute, within the forum's rate limit) and prints requests per second, p50, p99 and errors.
With --pages it first loads every page as `make bench` does (about three minutes): replies
then find a file cache the machine may have emptied of what they write beside.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import load  # noqa: E402


def main() -> int:
    numbers = [arg for arg in sys.argv[1:] if arg.isdigit()]
    scale = int(numbers[0]) if numbers else 1_000_000
    env = load.sqlite_env(scale)
    info = load.prepare(env, f"sqlite-{scale}")
    server = load.forum_server(env, f"forum-{scale}")
    try:
        if "--pages" in sys.argv:
            load.load_pages(server.url, info)
        for _ in range(2):
            load._next_minute()
            figures = load.wrk(server.url, 32, posters=info["posters_file"])
            print(json.dumps({key: figures[key] for key in ("rps", "p50_ms", "p99_ms", "errors")}))
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
