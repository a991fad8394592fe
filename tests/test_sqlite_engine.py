"""On SQLite, writers from every process queue on one file lock beside the database."""

from __future__ import annotations

import asyncio
import fcntl
import os
from collections.abc import Iterator

import pytest

from forum import db
from forum.threads import service as threads
from tests.conftest import make_thread


class OtherProcess:
    """Holds the writer lock as another server process would (flock locks belong to an open
    file, so a second open of the file is a second holder)."""

    def __init__(self, database: str) -> None:
        self.fd = os.open(database.removeprefix("sqlite://") + "-writer", os.O_RDWR | os.O_CREAT)

    def hold(self) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def release(self) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)


@pytest.fixture
def other_process(database) -> Iterator[OtherProcess]:
    if not database.startswith("sqlite"):
        pytest.skip("PostgreSQL orders its writers itself")
    other = OtherProcess(database)
    yield other
    other.release()
    os.close(other.fd)


async def test_a_write_waits_for_the_writer_before_it_and_goes_on_when_it_is_done(
    other_process, member
):
    thread = await make_thread(member, title="Before")
    other_process.hold()
    rename = asyncio.create_task(
        db.execute("UPDATE thread SET title = ? WHERE id = ?", "After", thread.id)
    )
    await asyncio.sleep(0.3)
    assert not rename.done()  # queued behind the other process, not failed
    other_process.release()
    await asyncio.wait_for(rename, timeout=2)
    [row] = await db.fetch("SELECT title FROM thread WHERE id = ?", thread.id)
    assert row["title"] == "After"


async def test_a_reply_waits_for_the_writer_lock_too_and_is_written_once_it_is_free(
    other_process, member
):
    thread = await make_thread(member)
    other_process.hold()
    reply = asyncio.create_task(threads.reply(thread, member, "Written once the lock is free"))
    await asyncio.sleep(0.3)
    assert not reply.done()
    other_process.release()
    post = await asyncio.wait_for(reply, timeout=2)
    assert post.number == 2
