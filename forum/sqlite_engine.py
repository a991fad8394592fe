"""Tortoise's SQLite backend, with writers queued cleanly across processes.

A plain `BEGIN` is deferred: a transaction that reads and then writes can fail at once with
SQLITE_BUSY when another process wrote in between, and the busy timeout cannot help. `BEGIN
IMMEDIATE` waits for the lock instead, so several server processes can share one database file.

But SQLite waits by sleeping in growing steps (up to 100 ms) and retrying, and a worker has one
connection: while it sleeps, the lock may have been free for a while and that worker's reads
wait too. So every write, a transaction or a single statement, first takes an exclusive lock on
a file beside the database (`forum.db-writer`). Writers from every process queue on it in the
kernel and the next one wakes the moment it is released; SQLite's own lock is then free.
The kernel drops the lock of a process that dies, so a crash leaves nothing held.
"""

from __future__ import annotations

import asyncio
import contextvars
import fcntl
import os
import sqlite3
from typing import Any

from tortoise.backends.base.client import ConnectionWrapper, TransactionContext
from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
)
from tortoise.exceptions import TransactionManagementError

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")
# Set while a single statement outside a transaction is a write (see acquire_connection).
_writing: contextvars.ContextVar[bool] = contextvars.ContextVar("sqlite_writing", default=False)


def _is_write(query: str) -> bool:
    return query.lstrip()[:7].upper().startswith(_WRITES)


class WriterLock:
    """An exclusive flock on `<database>-writer`, taken without blocking the event loop."""

    def __init__(self, database: str) -> None:
        self._path = f"{database}-writer"
        self._fd: int | None = None

    async def acquire(self) -> None:
        if self._fd is None:  # opened on first use, and again after close()
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        waiting = asyncio.get_running_loop().run_in_executor(
            None, fcntl.flock, self._fd, fcntl.LOCK_EX
        )
        try:
            await asyncio.shield(waiting)
        except asyncio.CancelledError:
            # The thread still takes the lock: give it back as soon as it does.
            waiting.add_done_callback(lambda done: done.exception() or self.release())
            raise

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class _WriteConnection(ConnectionWrapper):
    """The connection for one statement; a write also holds the writer lock. Taken after the
    connection's own lock, in the same order as a transaction, so the two cannot deadlock."""

    __slots__ = ("writer",)

    def __init__(self, lock: asyncio.Lock, client: Any, writer: WriterLock | None) -> None:
        super().__init__(lock, client)
        self.writer = writer

    async def __aenter__(self) -> Any:
        connection = await super().__aenter__()
        if self.writer is not None:
            try:
                await self.writer.acquire()
            except BaseException:
                self._lock.release()
                raise
        return connection

    async def __aexit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        if self.writer is not None:
            self.writer.release()
        await super().__aexit__(exc_type, exc_val, exc_tb)


class ImmediateTransactionWrapper(SqliteTransactionWrapper):
    async def begin(self) -> None:
        writer = self._parent.writer
        if writer is not None:
            await writer.acquire()
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if writer is not None:
                writer.release()
            raise TransactionManagementError(exc) from exc

    async def commit(self) -> None:
        try:
            await super().commit()
        finally:
            self._release()

    async def rollback(self) -> None:
        try:
            await super().rollback()
        finally:
            self._release()

    def _release(self) -> None:
        if self._parent.writer is not None:
            self._parent.writer.release()


class ImmediateSqliteClient(SqliteClient):
    def __init__(self, file_path: str, **kwargs: Any) -> None:
        super().__init__(file_path, **kwargs)
        memory = file_path == ":memory:" or file_path.startswith("file::memory:")
        self.writer: WriterLock | None = None if memory else WriterLock(file_path)

    def _in_transaction(self) -> TransactionContext:
        return SqliteTransactionContext(ImmediateTransactionWrapper(self), self._lock)

    def acquire_connection(self) -> ConnectionWrapper:
        return _WriteConnection(self._lock, self, self.writer if _writing.get() else None)

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
        if self.writer is not None:
            self.writer.close()


client_class = ImmediateSqliteClient
