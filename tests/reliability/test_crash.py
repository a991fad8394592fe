"""The server killed with SIGKILL in the middle of a write storm while it sends the outbox:
after a restart the database is sound, every acknowledged reply is there, and every e-mail
reaches the SMTP server exactly once."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest
from tortoise.context import TortoiseContext

from forum import db
from tests.mail.conftest import make_message
from tests.reliability.storm import storm

pytestmark = pytest.mark.reliability

MESSAGES = 600
# The SMTP server takes this long per message, as a real relay does: the outbox is still
# being sent when the server is killed.
SMTP_SECONDS = 0.02
# The kill comes this long into the storm, and once this many e-mails have gone out.
KILL_AFTER = 8.0
KILL_AT_MAIL = 30
MAIL_WAIT_SECONDS = 40
DRAIN_SECONDS = 90


async def _queue_mail(forum, count: int) -> list[str]:
    """Messages due now, as forum.mail.service stores them; returns their Message-IDs."""
    async with TortoiseContext() as context:
        await context.init(config=db.tortoise_config(f"sqlite://{forum.database}"))
        rows = [
            await make_message(subject=f"News {number}", to_address=f"member{number}@example.com")
            for number in range(count)
        ]
    return [row.message_id for row in rows]


async def _wait_for_the_outbox(forum) -> None:
    deadline = time.monotonic() + DRAIN_SECONDS
    while (outbox := forum.health()["outbox"])["unsent"]:
        assert time.monotonic() < deadline, f"the outbox is not drained: {outbox}"
        await asyncio.sleep(0.5)


async def test_a_server_killed_mid_storm_restarts_with_nothing_lost_or_sent_twice(
    forum, smtp_server
):
    queued = await _queue_mail(forum, MESSAGES)

    async def relay(server, session, envelope, address, options) -> str:
        """A relay's pause (checking the recipient) before it takes the message's content;
        once it has all of it, it keeps it, whatever becomes of the sender then."""
        await asyncio.sleep(SMTP_SECONDS)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    smtp_server.handle_RCPT = relay
    forum.smtp_url = smtp_server.url
    forum.start()
    stop = asyncio.Event()
    storming = asyncio.create_task(storm(forum.url, forum.posters(), 60, tag="crash", stop=stop))
    await asyncio.sleep(KILL_AFTER)
    # The first round of a new server does the daily work before the mail: kill once mail
    # is going out, so the kill lands while the outbox is being sent.
    deadline = time.monotonic() + MAIL_WAIT_SECONDS
    while len(smtp_server.received) < KILL_AT_MAIL and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    forum.kill()
    stop.set()
    seen = await storming
    delivered_before = len(smtp_server.received)
    print(f"storm: {seen.summary()}; {delivered_before} of {MESSAGES} e-mails sent at the kill")

    assert not seen.server_errors and not seen.locked, seen.summary()
    assert len(seen.acknowledged) > 100, seen.summary()
    assert 0 < delivered_before < MESSAGES, "the kill did not land while the outbox was sent"
    assert forum.query("PRAGMA integrity_check") == [("ok",)]
    stored = {body for (body,) in forum.query("SELECT body FROM post WHERE body LIKE 'Storm %'")}
    assert not set(seen.acknowledged) - stored, "acknowledged replies were lost in the crash"

    forum.start()  # the same data folder, as after a reboot
    await _wait_for_the_outbox(forum)
    forum.stop()

    counted = Counter(message["Message-ID"] for message in smtp_server.messages)
    assert not {key: n for key, n in counted.items() if n > 1}, "e-mails sent twice"
    assert set(counted) == set(queued), f"{len(set(queued) - set(counted))} e-mails never sent"
    assert forum.query("SELECT COUNT(*) FROM outbox_message WHERE sent_at IS NULL") == [(0,)]
    assert forum.query("PRAGMA integrity_check") == [("ok",)]
