"""Tortoise configuration, SQLite pragmas and the few dialect helpers features share."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.models import Model
from tortoise.queryset import QuerySet

from forum.settings import settings

# Every module that defines models; the migrations cover exactly these.
MODEL_MODULES = [
    "forum.events",
    "forum.site.models",
    "forum.ratelimit",
    "forum.pagecache",
    "forum.accounts.models",
    "forum.threads.models",
    "forum.moderation.models",
    "forum.notifications.models",
    "forum.mail.models",
    "forum.advocacy.models",
    "forum.blog.models",
    "forum.search.models",
    "forum.polls.models",
    "forum.ideas.models",
]

# Wait this long (ms) for another process's write lock instead of failing at once.
SQLITE_BUSY_TIMEOUT_MS = 5000
WAL_CHECKPOINT_PAGES = 50_000  # 200 MB


def tortoise_config(database_url: str | None = None) -> dict[str, Any]:
    """The Tortoise config for a database URL (default: settings.database_url)."""
    url = database_url or settings.database_url
    if url.startswith("postgresql://"):
        url = "postgres://" + url.removeprefix("postgresql://")
    connection = expand_db_url(url)
    if connection["engine"] == "tortoise.backends.sqlite":
        connection["engine"] = "forum.sqlite_engine"
        connection["credentials"].update(
            journal_mode="WAL",
            synchronous="NORMAL",
            busy_timeout=SQLITE_BUSY_TIMEOUT_MS,
            # A thread copies the WAL back into the database (sqlite_engine.Checkpointer);
            # a commit does it only if the WAL has grown past this, if that thread fell behind.
            wal_autocheckpoint=WAL_CHECKPOINT_PAGES,
        )
    return {
        "connections": {"default": connection},
        "apps": {
            "forum": {
                "models": MODEL_MODULES,
                "migrations": "migrations",
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


# Read by the `tortoise` command line (pyproject.toml [tool.tortoise]).
TORTOISE_ORM = tortoise_config()


def dialect() -> str:
    """ "sqlite" or "postgres", for the few queries that differ."""
    return Tortoise.get_connection("default").capabilities.dialect


async def migrate(database_url: str | None = None) -> None:
    """Apply every migration in migrations/ to the database, then seed what a new one needs."""
    from forum.upgrade import apply_migrations

    config = tortoise_config(database_url)
    await apply_migrations(config)  # a database with rows, too (see forum/upgrade.py)
    from forum.advocacy.service import ensure_badges
    from forum.threads.service import ensure_default_category

    await Tortoise.init(config=config)
    try:
        await ensure_default_category()
        await ensure_badges()
    finally:
        await Tortoise.close_connections()


async def ping() -> None:
    """Fail unless the database answers (for /healthz)."""
    await Tortoise.get_connection("default").execute_query("SELECT 1")


def _placeholders(sql: str) -> str:
    """`?` placeholders as this database takes them ($1, $2 on PostgreSQL)."""
    if dialect() == "postgres":
        numbers = iter(range(1, sql.count("?") + 1))
        sql = re.sub(r"\?", lambda _: f"${next(numbers)}", sql)
    return sql


async def fetch(sql: str, *params: Any) -> list[dict[str, Any]]:
    """A read-only query written once for both databases with `?` placeholders. For the few
    reports the ORM cannot express, such as counts per day."""
    connection = Tortoise.get_connection("default")
    return await connection.execute_query_dict(_placeholders(sql), list(params))


async def execute_many(sql: str, rows: list[tuple[Any, ...]]) -> None:
    """One statement for many rows of plain values (written with `?` placeholders): for
    writes of hundreds of rows, where building a model object for each costs more than the
    write."""
    await Tortoise.get_connection("default").execute_many(_placeholders(sql), rows)


async def execute(sql: str, *params: Any) -> None:
    """A write the ORM cannot express (such as setting each row from another table), written
    once for both databases with `?` placeholders."""
    await Tortoise.get_connection("default").execute_query(_placeholders(sql), list(params))


M = TypeVar("M", bound=Model)
# Stand for the value of a query built once (see first_by): never a real id or key.
_SLOTS: dict[type, Any] = {int: -(2**62) + 7, str: "\x00forum-query-slot"}
_built: dict[tuple[str, str], tuple[QuerySet[Any], str, list[Any], int]] = {}


async def first_by(name: str, build: Callable[[Any], QuerySet[M]], value: Any) -> M | None:
    """`await build(value).first()`, with the SQL built once per name and database: building
    a query costs Tortoise more than running it (0.5 ms for a thread with its category and
    author, on every request that names one). `build` must use its argument once, as a filter
    value compared as is (an id, a key), and nothing else that changes between calls."""
    dialect_ = Tortoise.get_connection("default").capabilities.dialect
    built = _built.get((name, dialect_))
    if built is None:
        slot_value = _SLOTS[type(value)]
        query = build(slot_value).limit(1)
        query._choose_db_if_not_chosen()
        query._make_query()
        sql, values = query.query.get_parameterized_sql()
        built = _built[(name, dialect_)] = (query, sql, values, values.index(slot_value))
    query, sql, values, slot = built
    values = [*values[:slot], value, *values[slot + 1 :]]
    connection = query.model._meta.db  # this task's transaction, if it is in one
    rows = await connection.executor_class(
        model=query.model, db=connection, prefetch_map=query._prefetch_map,
        prefetch_queries=query._prefetch_queries, select_related_idx=query._select_related_idx,
    ).execute_select(sql, values, custom_fields=list(query._annotations))  # fmt: skip
    return rows[0] if rows else None


def epoch(column: str) -> str:
    """SQL for a timestamp column as Unix seconds, in this database's dialect."""
    if dialect() == "postgres":
        return f'extract(epoch from "{column}")'
    return f'((julianday("{column}") - 2440587.5) * 86400.0)'


def day(column: str) -> str:
    """SQL for the UTC calendar day (YYYY-MM-DD text) of a timestamp column."""
    if dialect() == "postgres":
        return f"to_char(\"{column}\" AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
    # SQLite keeps timestamps as ISO text in UTC: the day is its first ten characters.
    return f'substr("{column}", 1, 10)'
