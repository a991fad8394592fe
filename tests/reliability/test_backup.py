"""`run.py backup` while members post, then `run.py restore` with the server stopped: the
restored forum serves every thread, and holds every reply acknowledged before the backup."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import time

import httpx
import pytest

from tests.reliability.conftest import ROOT
from tests.reliability.storm import storm

pytestmark = pytest.mark.reliability

STORM_SECONDS = 16
BACKUP_AFTER = 5.0


def _bodies(path) -> set[str]:
    connection = sqlite3.connect(path)
    try:
        rows = connection.execute("SELECT body FROM post WHERE body LIKE 'Storm %'").fetchall()
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        connection.close()
    return {body for (body,) in rows}


async def _get_all(base_url: str, paths: list[str], concurrency: int = 16) -> dict[str, int]:
    """GET every path as a guest; the status of each."""
    statuses: dict[str, int] = {}
    pending = iter(paths)

    async def reader(client: httpx.AsyncClient) -> None:
        for path in pending:
            statuses[path] = (await client.get(path)).status_code

    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        await asyncio.gather(*(reader(client) for _ in range(concurrency)))
    return statuses


async def test_a_backup_taken_under_writes_restores_a_forum_that_serves_every_thread(
    forum, tmp_path
):
    forum.start()
    stop = asyncio.Event()
    storming = asyncio.create_task(
        storm(forum.url, forum.posters(), STORM_SECONDS, tag="backup", stop=stop)
    )
    await asyncio.sleep(BACKUP_AFTER)
    copy = tmp_path / "backups" / "forum.db"
    started = time.monotonic()
    await asyncio.to_thread(forum.cli, "backup", str(copy))
    finished = time.monotonic()
    seen = await storming
    # While the server runs, restore refuses and changes nothing.
    refused = subprocess.run(
        [sys.executable, "run.py", "restore", str(copy)], cwd=ROOT, env=forum.env,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    forum.stop()
    print(f"storm: {seen.summary()}; backup took {finished - started:.2f} s")

    assert not seen.server_errors and not seen.locked and not seen.unanswered, seen.summary()
    assert refused.returncode == 1 and "stop it" in refused.stderr, refused.stderr
    live, in_copy = _bodies(forum.database), _bodies(copy)
    assert set(seen.acknowledged) <= live
    # The copy is one moment of the database: every reply acknowledged before the backup
    # began, and none of those posted after it, though the members went on writing.
    assert {body for body, moment in seen.acknowledged.items() if moment < started} <= in_copy
    assert {body for body, moment in seen.acknowledged.items() if moment > finished} - in_copy
    assert in_copy < live

    output = forum.cli("restore", str(copy))
    kept = next(line for line in output.splitlines() if "kept as" in line).split("kept as ")[1]
    assert _bodies(kept.rstrip(".")) == live  # the replaced database, whole, beside it
    assert _bodies(forum.database) == in_copy

    forum.start()
    threads = forum.query("SELECT id, slug FROM thread WHERE deleted_at IS NULL AND held = 0")
    statuses = await _get_all(forum.url, [f"/t/{id_}/{slug}" for id_, slug in threads])
    [(post_id, body)] = forum.query(
        "SELECT id, body FROM post WHERE body LIKE 'Storm %' ORDER BY id DESC LIMIT 1"
    )
    async with httpx.AsyncClient(base_url=forum.url, follow_redirects=True) as client:
        newest = await client.get(f"/p/{post_id}")
    forum.stop()

    assert len(threads) > 3000
    assert {path: status for path, status in statuses.items() if status != 200} == {}
    assert newest.status_code == 200 and body in newest.text
