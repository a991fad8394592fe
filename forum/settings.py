"""One Settings object, read from environment variables with safe defaults.

Code reads `settings.X` at call time (never copies a value at import), so tests can change it.
Every variable here is also listed in `.env.example`; a test keeps the two in step.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _data_dir() -> Path:
    return Path(os.environ.get("DATA_DIR", ROOT / "data"))


def _secret_key(data_dir: Path) -> str:
    """SECRET_KEY from the environment, else one generated once into data/secret_key."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # O_EXCL: when two workers start at once, one writes and both read the same key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as file:
        file.write(key)
    return key


@dataclass
class Settings:
    # Where the SQLite database, the generated secret key, mail and uploads live.
    data_dir: Path = field(default_factory=_data_dir)
    # sqlite://path/to/file.db (the default, under data/) or postgres://user:pass@host/db.
    database_url: str = ""
    # Signs the session cookie and derives CSRF tokens; generated into data/ when unset.
    secret_key: str = ""
    # The public address, used in links printed to the console and, later, in e-mails and feeds.
    base_url: str = "http://127.0.0.1:8000"
    # smtp://user:pass@host:port (or smtps://); empty writes mail to data/mail/ instead.
    smtp_url: str = ""
    # The From address of every e-mail.
    mail_from: str = "forum@localhost"
    # "development" or "production"; production marks cookies Secure when BASE_URL is https.
    env: str = "development"

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = _data_dir()
        return cls(
            data_dir=data_dir,
            database_url=os.environ.get("DATABASE_URL") or f"sqlite://{data_dir / 'forum.db'}",
            secret_key=_secret_key(data_dir),
            base_url=os.environ.get("BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
            smtp_url=os.environ.get("SMTP_URL", ""),
            mail_from=os.environ.get("MAIL_FROM", "forum@localhost"),
            env=os.environ.get("FORUM_ENV", "development"),
        )

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


# The environment variables this module reads; `.env.example` must list each one.
ENVIRONMENT_VARIABLES = (
    "DATABASE_URL",
    "SECRET_KEY",
    "BASE_URL",
    "SMTP_URL",
    "MAIL_FROM",
    "FORUM_ENV",
    "DATA_DIR",
)

settings = Settings.from_env()
