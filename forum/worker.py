"""Background work, drained by `run.py worker` (and in-process by `run.py serve` on SQLite).

Each round queues the notification e-mails that are due and sends the outbox; now and then it
also queues digests and win-back messages, prunes expired rate-limit counters and removes
sign-ups never confirmed. Rounds are short and frequent so that a sign-up or password-reset
e-mail leaves within seconds; looking at an empty outbox is one indexed query. The occasional
work scans members, so it waits longer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, date, datetime
from typing import Any

from forum import db, pagecache, ratelimit
from forum.accounts import service as accounts
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
    if prune and (purged := await accounts.purge_unconfirmed()):
        log.info("removed %d sign-ups never confirmed", purged)


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


# /healthz in one statement, each part read through an index: the outbox through (sent_at,
# failed_at, send_after), the other due work through its due time. Counts stop at HEALTH_COUNT_CAP
# so that a monitor polling during a huge backlog does not make it worse.
HEALTH_COUNT_CAP = 10_000
_UNSENT = "FROM outbox_message WHERE sent_at IS NULL AND failed_at IS NULL"
HEALTH_SQL = (
    f"SELECT (SELECT COUNT(*) FROM (SELECT 1 {_UNSENT} LIMIT {HEALTH_COUNT_CAP}) u) AS unsent,"
    f" (SELECT COUNT(*) FROM (SELECT 1 {_UNSENT} AND send_after <= ?"
    f" LIMIT {HEALTH_COUNT_CAP}) d) AS due,"
    f" (SELECT MIN(send_after) {_UNSENT}) AS oldest_due,"
    " (SELECT COUNT(*) FROM (SELECT 1 FROM notification WHERE email_due_at <= ?"
    f" LIMIT {HEALTH_COUNT_CAP}) n) AS notification_emails,"
    " (SELECT COUNT(*) FROM guest_post WHERE state = 'scheduled' AND publish_at <= ?)"
    " AS scheduled_posts,"
    " (SELECT COUNT(*) FROM poll WHERE closed_at IS NULL AND closes_at <= ?) AS polls_to_close"
)
# What a monitor polls is never a cached answer.
_NOT_CACHED = {"Cache-Control": "no-store"}


async def backlog() -> dict[str, Any]:
    """The work waiting (for /healthz): the outbox (unsent, due, how long the most overdue
    has waited) and the jobs due but not done."""
    moment = datetime.now(UTC)
    [row] = await db.fetch(HEALTH_SQL, moment, moment, moment, moment)
    oldest = row["oldest_due"]
    if isinstance(oldest, str):  # SQLite keeps timestamps as ISO text
        oldest = datetime.fromisoformat(oldest)
    waited = max(0.0, (moment - oldest).total_seconds()) if oldest else 0.0
    return {
        "outbox": {
            "unsent": row["unsent"], "due": row["due"], "oldest_due_seconds": round(waited, 1),
        },
        "jobs_due": {
            "notification_emails": row["notification_emails"],
            "scheduled_posts": row["scheduled_posts"],
            "polls_to_close": row["polls_to_close"],
        },
    }  # fmt: skip
