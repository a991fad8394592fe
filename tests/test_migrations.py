"""The migrations in migrations/ build the whole schema from nothing and match the models."""

import sqlite3

import pytest
from tortoise.context import TortoiseContext
from tortoise.migrations.autodetector import MigrationAutodetector

from forum import db


async def test_migrating_an_empty_database_from_zero_creates_every_table_and_general(tmp_path):
    path = tmp_path / "fresh.db"
    await db.migrate(f"sqlite://{path}")
    connection = sqlite3.connect(path)
    tables = {
        row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
    }
    categories = connection.execute("SELECT name, kind, archived FROM category").fetchall()
    connection.close()
    assert {"users", "session", "category", "thread", "post", "likes", "event"} <= tables
    assert categories == [("General", "discussion", 0)]


async def test_migrating_twice_changes_nothing(tmp_path):
    path = tmp_path / "again.db"
    await db.migrate(f"sqlite://{path}")
    await db.migrate(f"sqlite://{path}")
    connection = sqlite3.connect(path)
    assert connection.execute("SELECT count(*) FROM category").fetchone() == (1,)
    connection.close()


async def test_models_have_no_changes_missing_a_migration():
    config = db.tortoise_config()
    async with TortoiseContext() as context:
        await context.init(config=config, init_connections=False)
        detector = MigrationAutodetector(context.apps, config["apps"])
        writers = await detector.changes()
    assert not writers, "models changed without a migration: run `make migrations`"


async def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(database):
    from tortoise import Tortoise

    if not database.startswith("sqlite"):
        pytest.skip("SQLite settings; PostgreSQL has neither")
    connection = Tortoise.get_connection("default")
    _, mode = await connection.execute_query("PRAGMA journal_mode")
    _, timeout = await connection.execute_query("PRAGMA busy_timeout")
    _, checkpoint = await connection.execute_query("PRAGMA wal_autocheckpoint")
    assert dict(mode[0])["journal_mode"] == "wal"
    assert list(dict(timeout[0]).values()) == [db.SQLITE_BUSY_TIMEOUT_MS]
    assert list(dict(checkpoint[0]).values()) == [db.WAL_CHECKPOINT_PAGES]
