"""`run.py backup PATH`: a consistent copy of the database while the forum keeps running."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

from tortoise.backends.base.config_generator import expand_db_url

from forum.settings import settings


def backup(path: str) -> None:
    """SQLite: the online backup API (a consistent snapshot, WAL included). PostgreSQL: pg_dump."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if settings.is_sqlite:
        source_path = expand_db_url(settings.database_url)["credentials"]["file_path"]
        source = sqlite3.connect(source_path)
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)
        finally:
            destination.close()
            source.close()
        return
    url = "postgresql://" + settings.database_url.split("://", 1)[1]
    subprocess.run(
        ["pg_dump", "--format=custom", f"--file={target}", url],
        check=True,
        env={**os.environ},
    )
