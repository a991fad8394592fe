"""The processes that drain the outbox: `run.py worker` (killed mid-batch, too) and `run.py
serve` on the embedded default, run as real processes against a real SMTP server."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

from tortoise.context import TortoiseContext

from forum import db, worker
from forum.mail import sender
from forum.mail.models import OutboxMessage
from forum.settings import ROOT
from tests.mail.conftest import make_message

STARTUP_SECONDS = 30


def _environment(data_dir: Path, smtp_url: str, database_url: str | None = None) -> dict:
    env = {**os.environ, "DATA_DIR": str(data_dir), "SMTP_URL": smtp_url}
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def _start(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    with log.open("w") as output:
        return subprocess.Popen(
            [sys.executable, "run.py", *args], cwd=ROOT, env=env, stdout=output,
            stderr=subprocess.STDOUT,
        )  # fmt: skip


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
        process.wait(timeout=10)


async def test_a_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(
    database, smtp_server, tmp_path
):
    rows = [await make_message(subject=f"Message {number}") for number in range(6)]
    in_flight, let_go = threading.Event(), threading.Event()
    recipients = 0

    async def hold_the_third(server, session, envelope, address, options) -> str:
        """Keep the worker waiting on the third message, before its content is sent."""
        nonlocal recipients
        recipients += 1
        if recipients == 3:
            in_flight.set()
            while not let_go.is_set():
                await asyncio.sleep(0.01)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    smtp_server.handle_RCPT = hold_the_third
    env = _environment(tmp_path, smtp_server.url, database)
    log = tmp_path / "worker.log"
    process = _start(["worker"], env, log)
    try:
        arrived = await asyncio.to_thread(in_flight.wait, STARTUP_SECONDS)
        assert arrived, f"the worker never sent a third message:\n{log.read_text()}"
        process.kill()  # SIGKILL: no clean-up of any kind
        process.wait(timeout=10)
    finally:
        let_go.set()
        _stop(process)

    assert len(smtp_server.received) == 2
    left = await OutboxMessage.filter(sent_at__isnull=True).order_by("id")
    assert [row.id for row in left] == [row.id for row in rows[2:]]
    # Still claimed by the dead worker; the next round on this machine frees them at once,
    # without waiting for their lease (forum/mail/inflight.py).
    assert all(row.claimed_by and row.claimed_until > datetime.now(UTC) for row in left)
    again = subprocess.run(
        [sys.executable, "run.py", "worker", "--once"], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert again.returncode == 0, again.stdout + again.stderr

    received = [message["Message-ID"] for message in smtp_server.messages]
    assert sorted(received) == sorted(row.message_id for row in rows)  # each exactly once
    assert await OutboxMessage.filter(sent_at__isnull=True).count() == 0


async def test_serve_sends_the_outbox_itself_on_the_embedded_default(tmp_path, smtp_server):
    env = _environment(tmp_path, smtp_server.url)  # no DATABASE_URL: SQLite under DATA_DIR
    migrate = subprocess.run(
        [sys.executable, "run.py", "migrate"], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=60,
    )  # fmt: skip
    assert migrate.returncode == 0, migrate.stderr
    async with TortoiseContext() as context:
        await context.init(config=db.tortoise_config(f"sqlite://{tmp_path / 'forum.db'}"))
        row = await make_message()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        log = tmp_path / "serve.log"
        process = _start(["serve", "--host", "127.0.0.1", "--port", str(port)], env, log)
        try:
            try:
                await smtp_server.wait_for(1, timeout=STARTUP_SECONDS)
            except AssertionError:
                raise AssertionError(f"the server sent nothing:\n{log.read_text()}") from None
            process.terminate()
            process.wait(timeout=10)
        finally:
            _stop(process)
        assert [message["Message-ID"] for message in smtp_server.messages] == [row.message_id]
        await row.refresh_from_db()
        assert row.sent_at is not None


async def test_one_round_sends_every_due_message_batch_after_batch(
    database, smtp_server, monkeypatch
):
    monkeypatch.setattr(sender, "BATCH", 2)
    rows = [await make_message() for _ in range(5)]

    await worker.run_once()

    assert len(smtp_server.messages) == 5
    assert await OutboxMessage.filter(id__in=[row.id for row in rows], sent_at=None).count() == 0


async def test_a_failing_round_is_logged_and_the_worker_goes_on(database, monkeypatch, caplog):
    monkeypatch.setattr(worker, "ROUND_SECONDS", 0.0)
    rounds: list[int] = []
    second_round = asyncio.Event()

    async def deliver_due(limit: int = sender.BATCH) -> int:
        rounds.append(limit)
        if len(rounds) == 1:
            raise ConnectionError("database restarting")
        second_round.set()
        return 0

    async def prune() -> int:
        return 0

    monkeypatch.setattr(sender, "deliver_due", deliver_due)
    monkeypatch.setattr(worker.ratelimit, "prune", prune)
    with caplog.at_level(logging.ERROR, logger="forum.worker"):
        task = asyncio.create_task(worker.run_forever())
        try:
            await asyncio.wait_for(second_round.wait(), timeout=5)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    assert len(rounds) >= 2
    assert "worker round failed" in caplog.text and "database restarting" in caplog.text
