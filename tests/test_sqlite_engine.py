"""On SQLite, writers from every process queue on one file lock beside the database."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator

import pytest
from tortoise.transactions import in_transaction

from forum import db, sqlite_engine
from forum.threads import service as threads
from tests.conftest import make_thread


class OtherProcess:
    """Holds the writer lock as another server process would (flock locks belong to an open
    file, so a second open of the file is a second holder)."""

    def __init__(self, database: str) -> None:
        path = sqlite_engine.writer_lock_path(database.removeprefix("sqlite://"))
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT)

    def hold(self) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def release(self) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)


@pytest.fixture
def sqlite(database) -> str:
    if not database.startswith("sqlite"):
        pytest.skip("PostgreSQL orders its writers and readers itself")
    return database


@pytest.fixture
def other_process(sqlite) -> Iterator[OtherProcess]:
    other = OtherProcess(sqlite)
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


async def test_pages_are_read_while_a_write_waits_for_another_process(other_process, member):
    thread = await make_thread(member, title="Readable")
    other_process.hold()
    rename = asyncio.create_task(
        db.execute("UPDATE thread SET title = ? WHERE id = ?", "Renamed", thread.id)
    )
    await asyncio.sleep(0.1)
    # The waiting write holds neither of this process's connections: a reader gets its
    # answer at once, as it was before the write.
    found = await asyncio.wait_for(threads.get_thread(thread.id), timeout=1)
    assert found.title == "Readable"
    assert not rename.done()
    other_process.release()
    await asyncio.wait_for(rename, timeout=2)
    assert (await threads.get_thread(thread.id)).title == "Renamed"


async def test_a_write_given_up_while_it_waits_leaves_the_lock_to_the_next(other_process, member):
    thread = await make_thread(member)
    other_process.hold()
    # A visitor who closes the tab while their reply waits for its turn.
    given_up = asyncio.create_task(threads.reply(thread, member, "Never mind"))
    await asyncio.sleep(0.1)
    given_up.cancel()
    other_process.release()
    with pytest.raises(asyncio.CancelledError):
        await given_up
    post = await asyncio.wait_for(threads.reply(thread, member, "Still written"), timeout=2)
    assert post.number == 2
    [row] = await db.fetch("SELECT COUNT(*) AS n FROM post WHERE thread_id = ?", thread.id)
    assert row["n"] == 2


async def test_a_read_during_this_process_write_turn_sees_what_the_turn_wrote(sqlite, member):
    """Reads in a process wait for its own write turn to end (every process waits on that
    turn, so it goes first), then see what it committed."""
    thread = await make_thread(member, title="Old title")
    go_on = asyncio.Event()

    async def long_write() -> None:
        async with in_transaction():
            await db.execute("UPDATE thread SET title = ? WHERE id = ?", "New title", thread.id)
            await go_on.wait()

    writing = asyncio.create_task(long_write())
    await asyncio.sleep(0.05)
    reading = asyncio.create_task(threads.get_thread(thread.id))
    await asyncio.sleep(0.1)
    assert not reading.done()
    go_on.set()
    await writing
    found = await asyncio.wait_for(reading, timeout=2)
    assert found.title == "New title"


@contextlib.asynccontextmanager
async def other_work() -> AsyncIterator[list[int]]:
    """Other work of the process (another request's page being rendered) while the block
    runs: yields a one-item list counting the times the event loop came round to it."""
    ticks = [0]

    async def tick() -> None:
        while True:
            ticks[0] += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(tick())
    await asyncio.sleep(0)
    try:
        yield ticks
    finally:
        task.cancel()


async def test_a_short_write_turn_runs_through_without_the_process_other_work(sqlite, member):
    """Every process waits on a write turn, so the statements of a short one run on without
    handing the event loop to other work in between (a reply's turn stays short)."""
    thread = await make_thread(member)
    async with other_work() as ticks, in_transaction():
        before = ticks[0]
        for n in range(5):
            await db.execute("UPDATE thread SET view_count = ? WHERE id = ?", n, thread.id)
        assert ticks[0] == before


async def test_a_long_transaction_lets_the_process_other_work_run_meanwhile(sqlite, member):
    thread = await make_thread(member)
    async with other_work() as ticks, in_transaction():
        before = ticks[0]
        started = time.monotonic()
        while time.monotonic() - started < 0.1:
            await db.execute("UPDATE thread SET view_count = view_count + 1 WHERE id = ?",
                             thread.id)  # fmt: skip
        assert ticks[0] > before


async def test_a_write_reaches_the_database_file_without_a_commit_copying_it_back(
    sqlite, member, monkeypatch
):
    """The WAL is copied back into the database by each process's checkpoint thread, not by
    the commit that happens to cross SQLite's limit (far off here)."""
    monkeypatch.setattr(sqlite_engine, "CHECKPOINT_AT", 0)
    thread = await make_thread(member, title="Copied back")
    # The database file alone, as if the WAL beside it did not exist.
    path = sqlite.removeprefix("sqlite://")
    found: list = []
    deadline = time.monotonic() + 5
    while not found and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        file_only = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
        try:
            found = file_only.execute("SELECT title FROM thread WHERE id = ?", (thread.id,))
            found = found.fetchall()
        except sqlite3.DatabaseError:
            found = []  # read halfway through a copy: look again
        finally:
            file_only.close()
    assert found == [("Copied back",)]


async def test_the_wal_starts_again_from_its_beginning_under_steady_writes(
    sqlite, member, monkeypatch
):
    """Under writes that never pause, a passive copy alone never catches up and the WAL file
    would grow to the commit-time limit (200 MB); the checkpoint thread finishes each copy in
    a write turn of its own, so the WAL starts again and stays small."""
    monkeypatch.setattr(sqlite_engine, "CHECKPOINT_AT", 256 << 10)
    thread = await make_thread(member)
    wal = sqlite.removeprefix("sqlite://") + "-wal"
    written, largest = 0, 0
    started = time.monotonic()
    while written < 400 << 20 and time.monotonic() - started < 20:
        body = f"{written} " + "words " * 10_000  # about 60 KB a write
        await db.execute("UPDATE post SET body = ? WHERE thread_id = ?", body, thread.id)
        written += len(body)
        largest = max(largest, os.path.getsize(wal))
    assert written >= 400 << 20  # far more than the WAL is let grow to
    assert largest < 48 << 20


async def test_a_slow_read_does_not_hold_up_the_process_other_reads(sqlite, member):
    """A read that waits on the disk (here, one that takes a while to work out) leaves the
    process's other reads to other reading connections: a page is not held up behind it,
    the first time the read runs or any time after."""
    thread = await make_thread(member, title="Quick to find")
    for _ in range(2):
        slow = asyncio.create_task(
            db.fetch(
                "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n"
                " WHERE x < 3000000) SELECT COUNT(*) AS n FROM n"
            )
        )
        await asyncio.sleep(0.05)
        assert not slow.done()
        found = await asyncio.wait_for(threads.get_thread(thread.id), timeout=1)
        assert found.title == "Quick to find"
        assert not slow.done()
        # Many reads at once share the few connections and all get their answers.
        titles = await asyncio.gather(*(threads.get_thread(thread.id) for _ in range(20)))
        assert {found.title for found in titles} == {"Quick to find"}
        assert (await slow)[0]["n"] == 3_000_000


async def test_a_quick_read_runs_through_without_the_process_other_work(sqlite, member):
    """A read that was quick before runs at once on the event loop's thread: handing it to a
    thread and back cost more than the read, and the request waited for the loop to come
    round to it behind every other one."""
    thread = await make_thread(member, title="Read often")
    for _ in range(2):
        await threads.get_thread(thread.id)
    async with other_work() as ticks:
        before = ticks[0]
        found = await threads.get_thread(thread.id)
        assert ticks[0] == before
    assert found.title == "Read often"
