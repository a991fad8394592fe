"""Tortoise's SQLite backend, with writers queued cleanly across processes.

A plain `BEGIN` is deferred: a transaction that reads and then writes can fail at once with
SQLITE_BUSY when another process wrote in between, and the busy timeout cannot help. `BEGIN
IMMEDIATE` waits for the lock instead, so several server processes can share one database file.

But SQLite waits by sleeping in growing steps (up to 100 ms) and retrying, while the lock may
have been free for a while. So every write, a transaction or a single statement, first takes an
exclusive lock on a file beside the database (`forum.db-writer`). Writers from every process
queue on it in the kernel and the next one wakes the moment it is released; SQLite's own lock is
then free. The kernel drops the lock of a process that dies, so a crash leaves nothing held.

Each process writes on one connection and reads on a few others (read-only, ReaderPool), so
its reads never queue behind a writer waiting for another process's turn: in WAL mode a read
sees what was committed when it began, as it would on PostgreSQL. Inside a transaction every
statement, reads too, runs on the writing connection. While a process holds the write turn,
though, its new reads wait for the turn to end: every process waits on that turn, and a
transaction's statements would otherwise queue in the event loop behind the work of every
request those reads let on (at a million posts that stretched a reply's turn from 4 to 8 ms).

The writing connection runs its statements on the event loop's thread, not aiosqlite's: they
all run within a write turn, where handing each to a thread and back, and waiting for the
loop to come round to its result, made up most of the turn (a reply's went from 4.4 to 2.6
ms). A long transaction still lets the loop run other work every few milliseconds. Reading
connections do the same with the statements that were quick the last times they ran (most:
an indexed row or a few), and hand the others to their thread (_ReadingConnection).

The WAL is copied back into the database (checkpointed) by a thread of each process, on a
connection of its own, rather than by whichever commit crosses SQLite's limit: that copy and
its fsync took up to a second, in the write turn every process waits on, and now on the event
loop's thread. The commit-time checkpoint stays as a safety net, at a much larger WAL.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiosqlite
from tortoise.backends.base.client import (
    ConnectionWrapper,
    TransactionalDBClient,
    TransactionContext,
)
from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
)
from tortoise.connection import get_connections
from tortoise.exceptions import TransactionManagementError

# Statements for the writing connection: writes, and PRAGMAs (they set up a connection, such
# as the demo's bigger page cache, and the one that writes is the one to set up).
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER", "PRAGMA")
# Set while a single statement outside a transaction is a write (see acquire_connection).
_writing: contextvars.ContextVar[bool] = contextvars.ContextVar("sqlite_writing", default=False)


# Write turns taken in this context, counted for whoever set it (the session middleware, per
# request: see pagecache.writing). A list, so tasks the context starts add to the same count.
turns: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "sqlite_turns", default=None
)


# How long the writing connection may keep the event loop to itself (seconds) before it lets
# the loop's other work run: one long transaction must not freeze the process.
_YIELD_EVERY = 0.01


# How often the checkpoint thread looks at the WAL (seconds), and the size (bytes) at which it
# copies it back. A passive checkpoint never waits for, nor holds up, readers or writers.
CHECKPOINT_EVERY = 0.1
CHECKPOINT_AT = 4 << 20
# How long the checkpoint that restarts the WAL waits for readers still on it (milliseconds).
RESTART_WAIT_MS = 50

# Reading connections per process. Reads of pages the file cache has lost wait on the disk, which
# serves several at once; more connections than this only add threads.
READERS = 4
# A read whose statement last took less than this (seconds, a slow time counting half as much
# at each run after) runs on the event loop's thread: handing it to a thread and back cost more
# than most reads (a reply's seven, 1 to 2 ms of CPU in 10).
QUICK_READ = 0.002
# Statements whose times are kept; past it they start again (lists of ? vary in length).
QUICK_READ_STATEMENTS = 2000


def writer_lock_path(database: str) -> str:
    """The file beside the database whose flock every writer takes (WriterLock, Checkpointer)."""
    return f"{database}-writer"


def _is_write(query: str) -> bool:
    return query.lstrip()[:7].upper().startswith(_WRITES)


class WriterLock:
    """This process's writers queue on an asyncio lock, then the process takes an exclusive
    flock on `<database>-writer` without blocking the event loop. (A flock is the open file's:
    two writers of one process would both hold it, hence the asyncio lock.)

    A thread of its own waits for the flock and hands it to the event loop in one callback
    that wakes the writer: each callback on the way waits behind the work of every request
    ready to run, while every process waits on the turn (run_in_executor and shield took
    three; from flock to writer took 2.0 ms at 32 posters, now 1.7)."""

    def __init__(self, database: str) -> None:
        self._path = writer_lock_path(database)
        self._fd: int | None = None
        self._local = asyncio.Lock()
        self._turn: asyncio.Event | None = None  # while this process holds the flock
        self._waiter: concurrent.futures.ThreadPoolExecutor | None = None
        self.yielded_at = 0.0  # when the holder last let the event loop run (monotonic)

    async def turn_ends(self) -> None:
        """Return once this process's write turn, if it holds one, is over."""
        if self._turn is not None:
            await self._turn.wait()

    async def acquire(self) -> None:
        if (counted := turns.get()) is not None:
            counted[0] += 1
        await self._local.acquire()
        try:
            if self._fd is None:  # opened on first use, and again after close()
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._begin_turn()
                return
            except BlockingIOError:
                pass
            loop = asyncio.get_running_loop()
            granted = loop.create_future()
            if self._waiter is None:  # one at a time: the asyncio lock is held meanwhile
                self._waiter = concurrent.futures.ThreadPoolExecutor(1, "sqlite-writer-turn")
            self._waiter.submit(self._wait, loop, granted, self._fd)
        except BaseException:
            self._local.release()
            raise
        try:
            await granted
        except asyncio.CancelledError:
            if not granted.cancelled():  # granted just before: give the turn back now
                self.release()
            raise  # else _granted gives it back once the thread has it
        except BaseException:
            self._local.release()
            raise
        self._begin_turn()

    def _wait(self, loop: asyncio.AbstractEventLoop, granted: asyncio.Future, fd: int) -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            outcome = None
        except OSError as error:
            outcome = error
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(self._granted, granted, outcome, fd)

    def _granted(self, granted: asyncio.Future, outcome: OSError | None, fd: int) -> None:
        if not granted.cancelled():
            if outcome is None:
                granted.set_result(None)
            else:
                granted.set_exception(outcome)
            return
        # The writer stopped waiting: give the turn straight back.
        try:
            if outcome is None:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            self._local.release()

    def _begin_turn(self) -> None:
        self._turn = asyncio.Event()
        self.yielded_at = time.monotonic()

    def release(self) -> None:
        try:
            if self._turn is not None:
                self._turn.set()
                self._turn = None
            if self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._local.release()

    def close(self) -> None:
        if self._waiter is not None:
            self._waiter.shutdown(wait=False)
            self._waiter = None
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class Checkpointer:
    """A thread that copies the WAL back into the database whenever it has grown past
    CHECKPOINT_AT. The servers' processes each run one; when two try at once, SQLite lets one
    do it and the other skips that round."""

    def __init__(self, database: str) -> None:
        self._database = database
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        connection = sqlite3.connect(self._database, isolation_level=None)
        writers = os.open(writer_lock_path(self._database), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            connection.execute(f"PRAGMA busy_timeout = {RESTART_WAIT_MS}")
            while not self._stop.wait(CHECKPOINT_EVERY):
                try:
                    if os.path.getsize(f"{self._database}-wal") >= CHECKPOINT_AT:
                        self._checkpoint(connection, writers)
                except (OSError, sqlite3.Error):
                    pass  # no WAL yet, or another checkpoint under way: look again later
        finally:
            os.close(writers)
            connection.close()

    @staticmethod
    def _checkpoint(connection: sqlite3.Connection, writers: int) -> None:
        # The bulk while writers go on; then, in a write turn of its own, the few frames
        # written meanwhile, and the WAL starts again from its beginning (under steady writes
        # a passive checkpoint alone never catches up, and the WAL grew to the commit limit).
        connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        fcntl.flock(writers, fcntl.LOCK_EX)
        try:
            connection.execute("PRAGMA wal_checkpoint(RESTART)").fetchall()
        finally:
            fcntl.flock(writers, fcntl.LOCK_UN)

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.to_thread(self._thread.join)


class _WriteConnection(ConnectionWrapper):
    """The writing connection for one statement, taken after the writer lock (in the same
    order as a transaction, so the two cannot deadlock)."""

    __slots__ = ("writer",)

    def __init__(self, lock: asyncio.Lock, client: Any, writer: WriterLock | None) -> None:
        super().__init__(lock, client)
        self.writer = writer

    async def __aenter__(self) -> Any:
        if self.writer is None:
            return await super().__aenter__()
        await self.writer.acquire()
        try:
            return await super().__aenter__()
        except BaseException:
            self.writer.release()
            raise

    async def __aexit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        try:
            await super().__aexit__(exc_type, exc_val, exc_tb)
        finally:
            if self.writer is not None:
                self.writer.release()


class _ReadingConnection(aiosqlite.Connection):
    """A reading connection that runs a statement at once on the event loop's thread when it
    was quick the last times, and on its own thread otherwise (and the first time): a read
    that waits on the disk or works long leaves the process's other requests to run."""

    def __init__(self, connector: Any, times: dict[str, float]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._times = times  # the process's: statement -> its decaying peak time (seconds)

    async def _execute(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        statement = args[0] if args and isinstance(args[0], str) else None
        if statement is None:
            return await super()._execute(fn, *args, **kwargs)
        peak = self._times.get(statement)

        def timed() -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                took = time.perf_counter() - started
                if len(self._times) >= QUICK_READ_STATEMENTS:
                    self._times.clear()
                self._times[statement] = max(took, (peak or 0.0) / 2)

        if peak is not None and peak < QUICK_READ:
            if not self._running or not self._connection:
                raise ValueError("Connection closed")
            return timed()
        return await super()._execute(timed)


class ReaderPool:
    """This process's reading connections (read-only), opened as reads need them, up to
    `size`. Each runs its slow statements on a thread of its own, so reads of pages not in the
    file cache go to the disk side by side: on one connection each waited for the one before."""

    def __init__(
        self, open_reader: Callable[[], Awaitable[aiosqlite.Connection]], size: int
    ) -> None:
        self._open_reader = open_reader
        self._size = size
        self._count = 0
        self._opened: list[aiosqlite.Connection] = []
        self._idle: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()

    async def take(self) -> aiosqlite.Connection:
        if self._idle.empty() and self._count < self._size:
            self._count += 1  # before the await: readers asked for meanwhile open no more
            try:
                connection = await self._open_reader()
            except BaseException:
                self._count -= 1
                raise
            self._opened.append(connection)
            return connection
        return await self._idle.get()

    def give_back(self, connection: aiosqlite.Connection) -> None:
        self._idle.put_nowait(connection)

    async def close(self) -> None:
        for connection in self._opened:
            await connection.close()
        self._opened.clear()
        self._count = 0
        self._idle = asyncio.Queue()


class _ReadConnection(ConnectionWrapper):
    """A reading connection for one statement outside a transaction, once this process's
    write turn (if it holds one) is over."""

    __slots__ = ()

    async def __aenter__(self) -> Any:
        writer = self.client.writer
        if writer is not None:
            await writer.turn_ends()
        if self.client._connection is None:
            await self.client.create_connection(with_db=True)
        self.connection = await self.client.readers.take()
        return self.connection

    async def __aexit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        self.client.readers.give_back(self.connection)


class ImmediateTransactionWrapper(SqliteTransactionWrapper):
    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc


class ImmediateTransactionContext(SqliteTransactionContext):
    """Tortoise's, with the writer lock taken first: a writer waiting for its turn holds
    neither connection. A failed BEGIN gives back both locks (Tortoise's keeps its own)."""

    __slots__ = ()

    async def __aenter__(self) -> TransactionalDBClient:
        writer = self.connection._parent.writer
        if writer is not None:
            await writer.acquire()
        try:
            await self._trxlock.acquire()
            try:
                await self.ensure_connection()
                await self.connection.begin()
            except BaseException:
                self._trxlock.release()
                raise
        except BaseException:
            if writer is not None:
                writer.release()
            raise
        self.token = get_connections().set(self.connection_name, self.connection)
        return self.connection

    async def __aexit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        try:
            await super().__aexit__(exc_type, exc_val, exc_tb)
        finally:
            if self.connection._parent.writer is not None:
                self.connection._parent.writer.release()


class _InlineConnection(aiosqlite.Connection):
    """aiosqlite's connection, but its calls run at once on the event loop's thread (its own
    thread only opens the database). For the writing connection, used only in write turns."""

    def __init__(self, connector: Any, writer: WriterLock) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._writer = writer

    async def _execute(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        if time.monotonic() - self._writer.yielded_at > _YIELD_EVERY:
            await asyncio.sleep(0)
            self._writer.yielded_at = time.monotonic()
        return fn(*args, **kwargs)


class ImmediateSqliteClient(SqliteClient):
    def __init__(self, file_path: str, **kwargs: Any) -> None:
        super().__init__(file_path, **kwargs)
        memory = file_path == ":memory:" or file_path.startswith("file::memory:")
        # An in-memory database is one connection's: it reads and writes on that one.
        self.writer: WriterLock | None = None if memory else WriterLock(file_path)
        self.readers = ReaderPool(self._open_reader, READERS)
        self._read_times: dict[str, float] = {}  # see _ReadingConnection
        self._read_lock = asyncio.Lock()  # Tortoise's wrapper wants one; the pool queues reads
        self._checkpointer: Checkpointer | None = None

    async def create_connection(self, with_db: bool) -> None:
        if self.writer is None:
            await super().create_connection(with_db)
            return
        if self._connection is None:
            writer = self.writer
            self._connection = await self._open(
                lambda connect: _InlineConnection(connect, writer), self.pragmas
            )
            await self._post_connect()
        if self._checkpointer is None:
            self._checkpointer = Checkpointer(self.filename)

    async def _open_reader(self) -> aiosqlite.Connection:
        # journal_mode is the database's, set by the writer. query_only: a write sent to a
        # reader fails loudly.
        settings = {k: v for k, v in self.pragmas.items() if k != "journal_mode"}
        return await self._open(
            lambda connect: _ReadingConnection(connect, self._read_times),
            {**settings, "query_only": "ON"},
        )

    async def _open(self, connection: Any, pragmas: dict[str, Any]) -> aiosqlite.Connection:
        """A connection to the database file, rows as sqlite3.Row, set up with `pragmas`."""
        filename = self.filename
        opened = connection(
            lambda: sqlite3.connect(filename, isolation_level=None, check_same_thread=False)
        )
        await opened  # its thread starts and opens the database
        opened._conn.row_factory = sqlite3.Row
        for pragma, value in pragmas.items():
            cursor = await opened.execute(f"PRAGMA {pragma}={value}")
            await cursor.close()
        return opened

    def _in_transaction(self) -> TransactionContext:
        return ImmediateTransactionContext(ImmediateTransactionWrapper(self), self._lock)

    def acquire_connection(self) -> ConnectionWrapper:
        if _writing.get() or self.writer is None:  # in memory: the one connection, no lock
            return _WriteConnection(self._lock, self, self.writer)
        return _ReadConnection(self._read_lock, self)

    async def execute_insert(self, query: str, values: list) -> int:
        token = _writing.set(True)
        try:
            return await super().execute_insert(query, values)
        finally:
            _writing.reset(token)

    async def execute_many(self, query: str, values: list[list]) -> None:
        token = _writing.set(True)
        try:
            await super().execute_many(query, values)
        finally:
            _writing.reset(token)

    async def execute_query(self, query: str, values: list | None = None) -> Any:
        token = _writing.set(_is_write(query))
        try:
            return await super().execute_query(query, values)
        finally:
            _writing.reset(token)

    async def execute_query_dict(self, query: str, values: list | None = None) -> list[dict]:
        token = _writing.set(_is_write(query))
        try:
            return await super().execute_query_dict(query, values)
        finally:
            _writing.reset(token)

    async def execute_script(self, query: str) -> None:
        token = _writing.set(True)
        try:
            await super().execute_script(query)
        finally:
            _writing.reset(token)

    async def close(self) -> None:
        await super().close()
        await self.readers.close()
        if self._checkpointer is not None:
            await self._checkpointer.stop()
            self._checkpointer = None
        if self.writer is not None:
            self.writer.close()


client_class = ImmediateSqliteClient


def counts_turns(connection: Any) -> bool:
    """Whether `turns` sees every write made through this connection: a database file's
    client, not one in-memory, nor a transaction already open on it."""
    return isinstance(connection, ImmediateSqliteClient) and connection.writer is not None
