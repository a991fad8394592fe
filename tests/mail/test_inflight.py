"""A message handed to the SMTP server by a worker that then dies is not sent again, and one
the server never got whole is (forum/mail/inflight.py)."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import threading

import pytest
from tortoise.transactions import in_transaction

from forum.mail import inflight, sender
from forum.mail.models import OutboxMessage
from forum.settings import ROOT, settings
from tests.mail.conftest import make_message
from tests.mail.test_worker import STARTUP_SECONDS, _environment, _start, _stop


def _hold_at_data(smtp_server, number: int, reply: str | None = None):
    """Make the server sit on the `number`-th message once it has all of it (its final "."),
    until let go; then accept it, or answer `reply`. Returns (arrived, let_go) events."""
    arrived, let_go = threading.Event(), threading.Event()
    seen = 0

    async def hold(envelope) -> str | None:
        nonlocal seen
        seen += 1
        if seen != number:
            return None
        arrived.set()
        while not let_go.is_set():
            await asyncio.sleep(0.01)
        return reply

    smtp_server.on_data = hold
    return arrived, let_go


async def test_a_message_the_server_took_before_the_worker_was_killed_is_not_sent_again(
    database, smtp_server, tmp_path
):
    rows = [await make_message(subject=f"Message {number}") for number in range(5)]
    arrived, let_go = _hold_at_data(smtp_server, 3)
    env = _environment(tmp_path, smtp_server.url, database)
    log = tmp_path / "worker.log"
    process = _start(["worker"], env, log)
    try:
        assert await asyncio.to_thread(arrived.wait, STARTUP_SECONDS), log.read_text()
        # The worker cannot write down that the server took the third message: this
        # transaction holds the row (and, on SQLite, the database's write lock).
        async with in_transaction():
            await OutboxMessage.filter(id=rows[2].id).update(last_error="")
            let_go.set()
            await smtp_server.wait_for(3)
            await asyncio.sleep(0.3)  # the worker reads the server's yes and waits on the row
            process.kill()
            process.wait(timeout=10)
    finally:
        let_go.set()
        _stop(process)
    third = await OutboxMessage.get(id=rows[2].id)
    if database.startswith("sqlite"):
        assert third.sent_at is None and third.claimed_by  # the database never heard of it
    # (PostgreSQL finishes a statement the dead worker had already sent once the row is free.)

    again = subprocess.run(
        [sys.executable, "run.py", "worker", "--once"], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert again.returncode == 0, again.stdout + again.stderr
    received = [message["Message-ID"] for message in smtp_server.messages]
    assert sorted(received) == sorted(row.message_id for row in rows)  # each exactly once
    await third.refresh_from_db()
    assert third.sent_at is not None and third.claimed_by is None
    # The dead worker's file is gone (the one left is `worker --once`'s, for the next round).
    left = [path.name for path in (tmp_path / sender.INFLIGHT_FOLDER).iterdir()]
    assert not [name for name in left if f"-{process.pid}-" in name]


async def test_a_message_refused_after_its_end_is_not_counted_as_handed_over(
    database, smtp_server, monkeypatch
):
    row = await make_message()
    smtp_server.on_data = lambda envelope: asyncio.sleep(0, "451 4.3.0 Try again later")

    async def dies(*args) -> None:
        raise RuntimeError("killed before the refusal was written down")

    retry = sender._retry
    monkeypatch.setattr(sender, "_retry", dies)
    with pytest.raises(RuntimeError):
        await sender.deliver_due()
    inflight.current(settings.data_dir / sender.INFLIGHT_FOLDER).close()  # the process is gone
    monkeypatch.setattr(sender, "_retry", retry)
    smtp_server.on_data = None
    # The next round frees the message rather than count it as sent, and it goes out.
    assert [m["Message-ID"] for m in await smtp_server.deliver()] == [row.message_id]


async def test_a_stopped_round_gives_back_what_it_has_not_started(database, smtp_server):
    rows = [await make_message(subject=f"Message {number}") for number in range(4)]
    arrived, let_go = _hold_at_data(smtp_server, 1)
    round_ = asyncio.create_task(sender.deliver_due())
    assert await asyncio.to_thread(arrived.wait, 10)
    round_.cancel()  # the server is stopping
    with contextlib.suppress(asyncio.CancelledError):
        await round_
    claimed = await OutboxMessage.filter(claimed_by__isnull=False).values_list("id", flat=True)
    assert claimed == [rows[0].id]  # the one being sent; the others are free again
    let_go.set()
    await smtp_server.wait_for(1)
    await asyncio.sleep(0.1)  # the sending thread sees the server's answer
    inflight.current(settings.data_dir / sender.INFLIGHT_FOLDER).close()  # the process ends

    # The next start records the first as sent and sends the rest, each once.
    await sender.deliver_due()
    received = [message["Message-ID"] for message in smtp_server.messages]
    assert sorted(received) == sorted(row.message_id for row in rows)
    assert await OutboxMessage.filter(sent_at__isnull=True).count() == 0


async def test_mail_still_goes_out_when_the_data_folder_is_read_only(
    database, smtp_server, monkeypatch
):
    def read_only(folder):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(inflight, "current", read_only)
    row = await make_message()
    assert [message["Message-ID"] for message in await smtp_server.deliver()] == [row.message_id]
    await row.refresh_from_db()
    assert row.sent_at is not None and row.claimed_by is None
