"""Applying the migrations to a database that has rows, not only to an empty one.

Two things that pass on an empty database stop the upgrade of a forum in use:

New NOT NULL columns. Tortoise's `default=` is applied by Python when a row is made, so an
`AddField` of a NOT NULL column writes `ADD COLUMN ... NOT NULL` with no SQL default. On an
empty table that passes (which is how the migrations were tested); on a forum's tables both
SQLite and PostgreSQL refuse it, and the upgrade stops. While `db.migrate` runs, such a column
is added with its static default as the SQL default, so every existing row gets the value a
new row would; on PostgreSQL the SQL default is then dropped again, leaving the schema a fresh
database has.
(SQLite cannot drop a column default without rebuilding the table; the app never relies on it.)

Rebuilt tables on SQLite. SQLite changes a column by copying the table into a new one and
dropping the old; with foreign keys enforced, dropping `users` that other rows point at fails.
SQLite's own recipe is to switch enforcement off for the change and check the keys afterwards
(https://sqlite.org/lang_altertable.html#otheralter): the migrations' connection does that,
and a broken reference found afterwards is an error.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from copy import copy
from typing import Any

from tortoise import Tortoise
from tortoise.fields.relational import ForeignKeyFieldInstance, ManyToManyFieldInstance
from tortoise.migrations.schema_editor import BaseSchemaEditor, SqliteSchemaEditor


def _fillable(field: Any) -> bool:
    """A NOT NULL plain column whose default is a value (not a function) and not in SQL yet."""
    return (
        not field.null
        and not field.pk
        and not field.has_db_default()
        and field.default is not None
        and not callable(field.default)
        and not isinstance(field, ManyToManyFieldInstance | ForeignKeyFieldInstance)
    )


def _filling(original: Any) -> Any:
    async def add_field(self: BaseSchemaEditor, model: Any, field_name: str) -> None:
        field = model._meta.fields_map[field_name]
        if not _fillable(field):
            await original(self, model, field_name)
            return
        # A copy with the default in SQL, as Tortoise's own MySQL editor swaps fields in.
        filled = copy(field)
        filled.db_default = field.default
        model._meta.fields_map[field_name] = filled
        try:
            await original(self, model, field_name)
        finally:
            model._meta.fields_map[field_name] = field
        if not isinstance(self, SqliteSchemaEditor):
            table = self._qualify_table_name(model._meta.db_table, model._meta.schema)
            column = model._meta.fields_db_projection[field_name]
            drop = self.ALTER_FIELD_DROP_DEFAULT_TEMPLATE.format(column=column)
            await self._run_sql(self.ALTER_FIELD_TEMPLATE.format(table=table, changes=drop))

    return add_field


@contextlib.contextmanager
def filling_new_columns() -> Iterator[None]:
    """While the block runs, migrations fill new NOT NULL columns in existing rows."""
    editors = (BaseSchemaEditor, SqliteSchemaEditor)
    originals = [editor.__dict__["add_field"] for editor in editors]
    for editor, original in zip(editors, originals, strict=True):
        editor.add_field = _filling(original)  # type: ignore[method-assign]
    try:
        yield
    finally:
        for editor, original in zip(editors, originals, strict=True):
            editor.add_field = original  # type: ignore[method-assign]


async def apply_migrations(config: dict[str, Any], target: str | None = None) -> None:
    """Apply every migration not yet applied to the database `config` names (up to `target`,
    "forum.<name>", when given)."""
    from tortoise.migrations.api.migrate import migrate

    connection = config["connections"]["default"]
    sqlite = "sqlite" in connection["engine"]
    if sqlite:
        credentials = {**connection["credentials"], "foreign_keys": "OFF"}
        without_keys = {**connection, "credentials": credentials}
        config = {**config, "connections": {**config["connections"], "default": without_keys}}
    try:
        with filling_new_columns():
            await migrate(config=config, target=target)
        if sqlite:
            broken = await Tortoise.get_connection("default").execute_query_dict(
                "PRAGMA foreign_key_check"
            )
            if broken:
                raise RuntimeError(f"the migrated database has broken references: {broken[:5]}")
    finally:
        await Tortoise.close_connections()  # after a failure too: an open one hangs the exit
