"""Upgrading a database made by the first release keeps everything in it.

tests/fixtures/first-release.db was written by the first release (commit d35c08b, migration
0001 only) with its own code: its demo community, and a member `oldtimer` (password below) who
started a thread there. tests/fixtures/make-first-release.sh rebuilds it.

The fixture is an SQLite file, so these tests run on SQLite whatever TEST_DATABASE_URL says.
With TEST_DATABASE_URL on PostgreSQL, one more test loads the fixture's rows into a
PostgreSQL database at the first release's schema (a database of its own, beside the suite's)
and upgrades that.
"""

from __future__ import annotations

import html
import shutil
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from tortoise.context import TortoiseContext

from forum import db, upgrade
from forum.accounts.models import User
from forum.app import create_app
from forum.settings import settings
from forum.threads.models import Post, Thread
from tests.conftest import POSTGRES_URL, forget_caches, submit

FIXTURE = Path(__file__).parent / "fixtures" / "first-release.db"
OLD_MEMBER, OLD_PASSWORD = "oldtimer", "first release password"


def _rows(path: Path) -> dict[str, list[tuple]]:
    """What a member would miss if it were lost: accounts, threads and posts as stored."""
    connection = sqlite3.connect(path)
    try:
        return {
            "users": connection.execute(
                "SELECT id, username, email, role, password_hash FROM users ORDER BY id"
            ).fetchall(),
            "threads": connection.execute(
                "SELECT id, title, slug, category_id, author_id, post_count FROM thread ORDER BY id"
            ).fetchall(),
            "posts": connection.execute(
                "SELECT id, thread_id, number, author_id, body, html FROM post ORDER BY id"
            ).fetchall(),
        }
    finally:
        connection.close()


@pytest.fixture
async def upgraded(tmp_path: Path, monkeypatch) -> AsyncIterator[tuple[dict, dict]]:
    """The fixture migrated to today's schema; yields its rows before and after, with the
    app's settings pointing at it (as tests/conftest.py's `database` does for a new one)."""
    path = tmp_path / "forum.db"
    shutil.copyfile(FIXTURE, path)
    before = _rows(path)
    url = f"sqlite://{path}"
    await db.migrate(url)
    after = _rows(path)
    monkeypatch.setattr(settings, "database_url", url)
    monkeypatch.setattr(settings, "data_dir", tmp_path)
    forget_caches()
    async with TortoiseContext() as context:
        await context.init(config=db.tortoise_config(url))
        yield before, after


async def test_the_first_release_database_is_migrated_with_every_row_kept(upgraded):
    before, after = upgraded
    assert len(before["users"]) > 40 and len(before["threads"]) > 20 and len(before["posts"]) > 150
    for table in ("users", "threads", "posts"):
        assert after[table] == before[table], f"{table} changed in the upgrade"
    connection = sqlite3.connect(settings.database_url.removeprefix("sqlite://"))
    applied = [name for (name,) in connection.execute("SELECT name FROM tortoise_migrations")]
    connection.close()
    assert applied[0] == "0001_initial" and len(applied) == len(
        [p for p in (Path(__file__).parents[1] / "migrations").glob("0*.py")]
    )
    # Read through today's models, too: the old rows fit the new columns.
    assert await User.filter(username=OLD_MEMBER).exists()
    thread = await Thread.get(title="Written before the first upgrade")
    first = await Post.get(thread_id=thread.id, number=1)
    assert "the first release" in first.body and "<strong>the first release</strong>" in first.html


async def test_the_upgraded_forum_serves_every_old_thread(upgraded):
    _, after = upgraded
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for thread_id, title, slug, *_ in after["threads"]:
            response = await client.get(f"/t/{thread_id}/{slug}")
            assert response.status_code == 200, f"/t/{thread_id}/{slug}"
            assert title in html.unescape(response.text)
        old = next(row for row in after["posts"] if "survives too" in row[4])
        page = await client.get(f"/t/{old[1]}", follow_redirects=True)
        assert "And this reply, from a member of the demo, survives too." in page.text


async def test_an_old_thread_whose_slug_named_a_form_gets_its_own(tmp_path: Path):
    """A thread titled "Reply" had /t/<id>/reply, the reply form, as its address."""
    path = tmp_path / "forum.db"
    shutil.copyfile(FIXTURE, path)
    connection = sqlite3.connect(path)
    [(reply,), (poll,), (other,)] = connection.execute("SELECT id FROM thread LIMIT 3")
    for thread_id, slug in ((reply, "reply"), (poll, "poll"), (other, "reply-to-ana")):
        connection.execute("UPDATE thread SET slug = ? WHERE id = ?", (slug, thread_id))
    connection.commit()
    connection.close()
    await db.migrate(f"sqlite://{path}")
    connection = sqlite3.connect(path)
    slugs = dict(connection.execute("SELECT id, slug FROM thread"))
    connection.close()
    assert slugs[reply] == "reply-topic" and slugs[poll] == "poll-topic"
    assert slugs[other] == "reply-to-ana"  # only a slug that is a form's whole name moves


async def test_a_member_of_the_first_release_logs_in_with_their_old_password(upgraded):
    transport = httpx.ASGITransport(app=create_app(), client=("203.0.113.9", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        wrong = await submit(client, "/login", {"login": OLD_MEMBER, "password": "not it at all"})
        assert wrong.status_code == 400
        response = await submit(client, "/login", {"login": OLD_MEMBER, "password": OLD_PASSWORD})
        assert response.status_code == 303
        home = await client.get("/")
        assert "Log out" in home.text and OLD_MEMBER in home.text


async def _load_into_postgres(url: str, source: Path) -> None:
    """Every row of the SQLite fixture into PostgreSQL tables of the same (first) schema,
    each value cast from text to its column's type."""
    import asyncpg

    sqlite = sqlite3.connect(source)
    target = await asyncpg.connect("postgresql://" + url.split("://", 1)[1])
    try:
        await target.execute("SET session_replication_role = replica")  # keys checked below
        tables = [
            name for (name,) in sqlite.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'"
                " AND name != 'tortoise_migrations'"
            )
        ]  # fmt: skip
        for table in tables:
            types = dict(
                await target.fetch(
                    "SELECT column_name, data_type FROM information_schema.columns"
                    " WHERE table_name = $1",
                    table,
                )
            )
            cursor = sqlite.execute(f'SELECT * FROM "{table}"')
            columns = [column[0] for column in cursor.description]
            values = ", ".join(
                f"${number}::text::{types[column]}" for number, column in enumerate(columns, 1)
            )
            names = ", ".join(f'"{column}"' for column in columns)
            await target.executemany(
                f'INSERT INTO "{table}" ({names}) VALUES ({values})',
                [[None if v is None else str(v) for v in row] for row in cursor.fetchall()],
            )
    finally:
        await target.close()
        sqlite.close()


async def _postgres_rows(url: str) -> dict[str, list[tuple]]:
    import asyncpg

    connection = await asyncpg.connect("postgresql://" + url.split("://", 1)[1])
    try:
        return {
            "users": [tuple(r) for r in await connection.fetch(
                "SELECT id, username, email, role, password_hash FROM users ORDER BY id")],
            "threads": [tuple(r) for r in await connection.fetch(
                "SELECT id, title, slug, category_id, author_id, post_count FROM thread"
                " ORDER BY id")],
            "posts": [tuple(r) for r in await connection.fetch(
                "SELECT id, thread_id, number, author_id, body, html FROM post ORDER BY id")],
            "filled": [tuple(r) for r in await connection.fetch(
                "SELECT DISTINCT u.language, u.timezone, u.pending, p.held FROM users u, post p")],
        }  # fmt: skip
    finally:
        await connection.close()


@pytest.mark.skipif(not POSTGRES_URL, reason="needs TEST_DATABASE_URL on PostgreSQL")
async def test_the_first_release_rows_upgrade_on_postgresql_too():
    import asyncpg

    base, name = POSTGRES_URL.rsplit("/", 1)
    url = f"{base}/{name}_upgrade"
    admin = await asyncpg.connect("postgresql://" + POSTGRES_URL.split("://", 1)[1])
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}_upgrade"')
        await admin.execute(f'CREATE DATABASE "{name}_upgrade"')
        config = db.tortoise_config(url)
        await upgrade.apply_migrations(config, target="forum.0001_initial")
        await _load_into_postgres(url, FIXTURE)
        await upgrade.apply_migrations(config)
        after = await _postgres_rows(url)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}_upgrade" WITH (FORCE)')
        await admin.close()
    before = _rows(FIXTURE)
    for table in ("users", "threads", "posts"):
        assert after[table] == before[table], f"{table} changed in the upgrade"
    # Columns added since were filled in for the old rows, as new rows get them.
    assert after["filled"] == [("", "", False, False)]
