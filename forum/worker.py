"""Background work, drained by `run.py worker`.

Today it prunes expired rate-limit counters; the jobs table (e-mail, digests, scheduled
publishing) joins it with the notifications issue.
"""

from __future__ import annotations

import asyncio
import logging

from forum import ratelimit

log = logging.getLogger("forum.worker")
ROUND_SECONDS = 60.0


async def run_once() -> None:
    pruned = await ratelimit.prune()
    if pruned:
        log.info("pruned %d expired rate-limit counters", pruned)


async def run_forever(once: bool = False) -> None:
    while True:
        await run_once()
        if once:
            return
        await asyncio.sleep(ROUND_SECONDS)
