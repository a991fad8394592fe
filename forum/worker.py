"""Background work, drained by `run.py worker` (and in-process by `run.py serve` on SQLite).

Each round queues the notification e-mails that are due and sends the outbox; now and then it
also queues digests and win-back messages and prunes expired rate-limit counters. Rounds are
short and frequent so that a sign-up or password-reset e-mail leaves within seconds; looking at
an empty outbox is one indexed query. The occasional work scans members, so it waits longer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, date, datetime

from forum import pagecache, ratelimit
from forum.advocacy import service as advocacy
from forum.blog import service as blog
from forum.mail import sender
from forum.notifications import service as notifications
from forum.polls import service as polls
from forum.search import service as search

log = logging.getLogger("forum.worker")
# Seconds between rounds: how long a new e-mail waits at most before it is sent.
ROUND_SECONDS = 5.0
# Seconds between the occasional work: digests, win-back messages, tier demotions and
# time-based badges, pruning rate limits.
PRUNE_SECONDS = 300.0
# The day this process last ran the daily recognition work.
_daily_done: date | None = None


async def run_once(prune: bool = True) -> None:
    """One round: queue due notification e-mails (and, with `prune`, digests and win-back
    messages), send every e-mail that is due (batch after batch), then prune if asked."""
    # Scheduled guest posts go live on time; invitations past their date expire.
    if published := await blog.publish_scheduled():
        log.info("published %d scheduled guest posts", published)
    await blog.expire_invitations()
    # Polls close at their time; their author and the managers are reminded to follow up.
    if closed := await polls.close_due():
        log.info("closed %d polls", closed)
    if published or closed:
        await pagecache.bump()
    mailed = await notifications.mail_due_notifications()
    if mailed.sent:
        log.info("queued %d notification e-mails", mailed.sent)
    if prune:
        digests, winbacks = await notifications.send_digests(), await notifications.send_winbacks()
        if digests or winbacks:
            log.info("queued %d digests and %d win-back messages", digests, winbacks)
        # Once a day per worker: every award has its key, so two workers doing it is harmless.
        global _daily_done
        if _daily_done != (today := datetime.now(UTC).date()):
            if changes := {k: v for k, v in (await advocacy.daily()).items() if v}:
                log.info("recognition: %s", changes)
                await pagecache.bump()  # tiers and badges show beside members' names
            await search.prune_log()
            _daily_done = today
    while (sent := await sender.deliver_due(sender.BATCH)) == sender.BATCH:
        log.info("sent %d e-mails; more are due", sent)
    if prune and (pruned := await ratelimit.prune()):
        log.info("pruned %d expired rate-limit counters", pruned)


async def run_forever(once: bool = False) -> None:
    """Run rounds until cancelled. A failing round is logged and the next one comes as usual;
    with `once`, the single round's error is raised (so a cron job sees it fail)."""
    last_prune = float("-inf")
    while True:
        prune = time.monotonic() - last_prune >= PRUNE_SECONDS
        try:
            await run_once(prune=prune)
        except Exception:
            if once:
                raise
            log.exception("worker round failed; the next one starts in %s s", ROUND_SECONDS)
        else:
            if prune:
                last_prune = time.monotonic()
        if once:
            return
        await asyncio.sleep(ROUND_SECONDS)
