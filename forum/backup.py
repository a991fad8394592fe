"""`run.py backup PATH` and `run.py restore PATH`: a consistent copy of the database while the
forum keeps running, and that copy put back in place of the database while it is stopped."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from tortoise.backends.base.config_generator import expand_db_url

from forum.i18n import gettext as _
from forum.settings import settings


class RestoreRefused(Exception):
    """The restore did not start, for the reason given; the database is as it was."""


def _sqlite_path() -> Path:
    return Path(expand_db_url(settings.database_url)["credentials"]["file_path"])


def backup(path: str) -> None:
    """SQLite: the online backup API, a consistent snapshot (the WAL included) taken while
    other processes go on writing; written beside PATH and renamed, so PATH is always a whole
    copy. PostgreSQL: pg_dump in its custom format (for pg_restore)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if settings.is_sqlite:
        partial = target.with_name(f"{target.name}.partial")
        partial.unlink(missing_ok=True)
        _copy(_sqlite_path(), partial)
        os.replace(partial, target)
        return
    url = "postgresql://" + settings.database_url.split("://", 1)[1]
    subprocess.run(
        ["pg_dump", "--format=custom", f"--file={target}", url],
        check=True,
        env={**os.environ},
    )


def _copy(source_path: Path, target: Path) -> None:
    """Copy an SQLite database with the backup API: one read transaction, all pages at once."""
    source = sqlite3.connect(source_path)
    destination = sqlite3.connect(target)
    try:
        source.backup(destination)
    finally:
        destination.close()
        source.close()
    with open(target, "rb") as written:
        os.fsync(written.fileno())


# --- Is a server using the database?


def hold_in_use_lock() -> int | None:
    """Mark the SQLite database as in use by this process until it ends (`run.py serve` and
    `run.py worker` call this): a shared lock on `<database>-in-use`, which the kernel drops
    when the process dies. Returns the descriptor to keep open; None on PostgreSQL."""
    if not settings.is_sqlite:
        return None
    descriptor = os.open(f"{_sqlite_path()}-in-use", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(descriptor, fcntl.LOCK_SH)
    return descriptor


# --- Restoring


def restore(path: str) -> Path | None:
    """Put the SQLite copy at PATH in place of the database. Refuses (RestoreRefused) while a
    server or worker uses the database, or when PATH is not a sound forum database. The copy is
    written beside the database and renamed over it, so the database is either the old one or
    the new one, never half of each. The old one is kept as `<database>.before-restore-<UTC
    time>`; its path is returned (None when there was no database yet)."""
    if not settings.is_sqlite:
        raise RestoreRefused(
            _(
                "run.py restore puts back an SQLite database; on PostgreSQL use pg_restore"
                " (see the README)."
            )
        )
    source, database = Path(path), _sqlite_path()
    _check_backup(source)
    database.parent.mkdir(parents=True, exist_ok=True)
    in_use = os.open(f"{database}-in-use", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(in_use, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RestoreRefused(
                _("A server or worker is using the database: stop it, then restore.")
            ) from None
        incoming = database.with_name(f"{database.name}.restoring")
        incoming.unlink(missing_ok=True)
        _copy(source, incoming)
        kept = _set_aside(database) if database.exists() else None
        os.replace(incoming, database)
        _sync_folder(database.parent)
        return kept
    finally:
        os.close(in_use)


def _check_backup(source: Path) -> None:
    if not source.is_file():
        raise RestoreRefused(_("{path} is not a file.").format(path=source))
    try:
        connection = sqlite3.connect(source)
        try:
            [(verdict,)] = connection.execute("PRAGMA integrity_check").fetchall()
            applied = connection.execute("SELECT COUNT(*) FROM tortoise_migrations").fetchone()
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise RestoreRefused(
            _("{path} is not a forum database ({error}).").format(path=source, error=error)
        ) from None
    if verdict != "ok" or not applied[0]:
        raise RestoreRefused(
            _("{path} is damaged or not a forum database ({verdict}).").format(
                path=source, verdict=verdict
            )
        )


def _set_aside(database: Path) -> Path:
    """Keep the database being replaced, with what its WAL holds, and leave no WAL behind:
    SQLite would otherwise replay the old one's WAL onto the restored file."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    kept = database.with_name(f"{database.name}.before-restore-{stamp}")
    _copy(database, kept)
    connection = sqlite3.connect(database)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()  # the last connection: SQLite removes the -wal and -shm files
    for leftover in (f"{database}-wal", f"{database}-shm"):
        if os.path.exists(leftover):
            raise RestoreRefused(
                _(
                    "Another program has the database open ({leftover} remains): close it,"
                    " then restore. The database is unchanged; a copy was kept as {kept}."
                ).format(leftover=leftover, kept=kept)
            )
    return kept


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
