"""Tortoise's SQLite backend, with transactions that take the write lock up front.

A plain `BEGIN` is deferred: a transaction that reads and then writes can fail at once with
SQLITE_BUSY when another process wrote in between, and the busy timeout cannot help. `BEGIN
IMMEDIATE` waits (up to busy_timeout) for the lock instead, so several server processes can
share one database file safely.
"""

from __future__ import annotations

import sqlite3

from tortoise.backends.base.client import TransactionContext
from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
)
from tortoise.exceptions import TransactionManagementError


class ImmediateTransactionWrapper(SqliteTransactionWrapper):
    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc


class ImmediateSqliteClient(SqliteClient):
    def _in_transaction(self) -> TransactionContext:
        return SqliteTransactionContext(ImmediateTransactionWrapper(self), self._lock)


client_class = ImmediateSqliteClient
