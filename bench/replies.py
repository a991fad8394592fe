"""The reply run of `make bench` alone, twice, for a quick look at write throughput.

    .venv/bin/python bench/replies.py 1000000    # or 10000; the data of `make bench`
    .venv/bin/python bench/replies.py 1000000 --pages   # after the page runs, as make bench

It starts the server, posters and wrk exactly as bench/load.py does (each run starts on a new
minute, within the forum's rate limit) and prints requests per second, p50, p99 and errors, and
the workers' CPU time per reply and how busy the machine was: steadier figures than requests
per second on a shared machine whose speed drifts, and they tell a run short of CPU from one
short of the write turn.
With --pages it first loads every page as `make bench` does (about three minutes): replies
then find a file cache the machine may have emptied of what they write beside.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import load  # noqa: E402

_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User and system CPU time of each process, all its threads."""
    times = {}
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        times[pid] = (int(fields[11]) + int(fields[12])) / _TICK
    return times


def _machine_seconds() -> tuple[float, float]:
    """The machine's CPU time since boot, all cores: in total, and idle (or waiting on I/O)."""
    ticks = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(ticks) / _TICK, (ticks[3] + ticks[4]) / _TICK


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
            workers, machine = _cpu_seconds(server.workers()), _machine_seconds()
            figures = load.wrk(server.url, 32, posters=info["posters_file"])
            used = sum(_cpu_seconds(server.workers()).values()) - sum(workers.values())
            total, idle = _machine_seconds()
            total, idle = total - machine[0], idle - machine[1]
            written = figures["requests"] - figures["failed_posts"]
            shown = {key: figures[key] for key in ("rps", "p50_ms", "p99_ms", "errors")}
            shown["cpu_ms_per_reply"] = round(1000 * used / max(written, 1), 2)
            shown["machine_busy"] = round(1 - idle / total, 2)
            print(json.dumps(shown))
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
