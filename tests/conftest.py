"""Fixtures: a fresh database per test (SQLite by default, PostgreSQL when TEST_DATABASE_URL
points at one), the ASGI app behind an httpx client, role fixtures and small factories."""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
import os
import re
import shutil
import socket
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

# Settings are read at import: point them at a throw-away folder before forum is imported.
_DATA = Path(tempfile.mkdtemp(prefix="forum-test-"))
os.environ["DATA_DIR"] = str(_DATA)
os.environ["SECRET_KEY"] = "test-secret-key-not-for-production"
os.environ.pop("DATABASE_URL", None)

import httpx  # noqa: E402
import pytest  # noqa: E402
from argon2 import PasswordHasher  # noqa: E402
from itsdangerous import Signer  # noqa: E402
from tortoise.context import TortoiseContext  # noqa: E402

from forum import db, pagecache, sqlite_engine, web  # noqa: E402
from forum.accounts import service as accounts  # noqa: E402
from forum.accounts.models import User  # noqa: E402
from forum.advocacy import service as advocacy  # noqa: E402
from forum.advocacy.service import ensure_badges  # noqa: E402
from forum.app import create_app  # noqa: E402
from forum.interests import service as interests  # noqa: E402
from forum.mail.models import OutboxMessage  # noqa: E402
from forum.settings import settings  # noqa: E402
from forum.site import models as site  # noqa: E402
from forum.threads import service as threads  # noqa: E402
from forum.threads import tags as tagging  # noqa: E402
from forum.threads.models import Category, Post, Thread  # noqa: E402

PASSWORD = "correct horse battery"
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")


def pytest_report_header(config: pytest.Config) -> str:
    return f"database: {'PostgreSQL ' + POSTGRES_URL if POSTGRES_URL else 'SQLite (file)'}"


@pytest.fixture(scope="session")
def template_database() -> str:
    """Migrate an empty database once; each test then starts from a copy (or a truncation)."""
    if POSTGRES_URL:
        asyncio.run(_reset_postgres_schema(POSTGRES_URL))
        asyncio.run(db.migrate(POSTGRES_URL))
        return POSTGRES_URL
    path = _DATA / "template.db"
    asyncio.run(db.migrate(f"sqlite://{path}"))
    return str(path)


async def _reset_postgres_schema(url: str) -> None:
    import asyncpg

    connection = await asyncpg.connect("postgresql://" + url.split("://", 1)[1])
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await connection.close()


def forget_caches() -> None:
    """Drop every per-process cache of what a database holds (the community's settings, guests'
    pages, badges, tag names, the Top rankings): a test's database starts from nothing."""
    site.forget()
    pagecache.forget()
    advocacy.forget_badges()
    tagging.forget()
    interests.forget()


@pytest.fixture
async def database(template_database: str, tmp_path: Path, monkeypatch) -> AsyncIterator[str]:
    """A fresh, migrated database holding only the General category and the automatic
    badges."""
    if POSTGRES_URL:
        url = POSTGRES_URL
    else:
        copy = tmp_path / "forum.db"
        shutil.copyfile(template_database, copy)
        url = f"sqlite://{copy}"
    monkeypatch.setattr(settings, "database_url", url)
    monkeypatch.setattr(settings, "data_dir", tmp_path)
    # Argon2 at full strength costs ~50 ms a hash; tests need only a real hash, not a slow one.
    monkeypatch.setattr(accounts, "hasher", PasswordHasher(time_cost=1, memory_cost=1024))
    forget_caches()
    async with TortoiseContext() as context:
        await context.init(config=db.tortoise_config(url))
        if POSTGRES_URL:
            await _truncate_everything(context)
            await threads.ensure_default_category()
            await ensure_badges()
        yield url
    threads._pending_views.clear()


async def _truncate_everything(context: TortoiseContext) -> None:
    connection = context.db()
    tables = await connection.execute_query_dict(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
        "AND tablename NOT IN ('tortoise_migrations', 'content_version')"
    )
    names = ", ".join(f'"{row["tablename"]}"' for row in tables)
    await connection.execute_script(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


@pytest.fixture
def app(database: str):
    return create_app()


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


# --- Factories


_counter = iter(range(1, 1_000_000))


async def make_user(username: str | None = None, role: str = "member", **fields) -> User:
    number = next(_counter)
    username = username or f"user{number}"
    user = await accounts.create_user(username, f"{username}@example.com", PASSWORD, role=role)
    if fields:
        await User.filter(id=user.id).update(**fields)
        await user.refresh_from_db()
    return user


async def general() -> Category:
    return await Category.get(slug="general")


async def make_category(**fields) -> Category:
    number = next(_counter)
    data = {"name": f"Category {number}", "slug": f"category-{number}", "kind": "discussion"}
    data.update({key: str(value) for key, value in fields.items()})
    return await threads.create_category(data)


async def make_thread(
    author: User, category: Category | None = None, title: str = "How do I reset the device?",
    body: str | None = None,
) -> Thread:  # fmt: skip
    # Each default body differs: the same text twice in a row is refused as a duplicate.
    body = body or f"It blinks red and will not start (case {next(_counter)})."
    category = category or await general()
    thread = await threads.start_thread(
        author, category_id=str(category.id), title=title, body=body
    )
    await pagecache.bump()  # as the request that wrote it would (see forum/pagecache.py)
    return await threads.get_thread(thread.id)


async def make_reply(thread: Thread, author: User, body: str | None = None) -> Post:
    body = body or f"Hold the button for ten seconds (tip {next(_counter)})."
    post = await threads.reply(thread, author, body)
    await pagecache.bump()
    return post


@pytest.fixture(autouse=True)
def _no_post_rate_limit(monkeypatch) -> None:
    """Factories write many posts a minute; tests of the limit itself lower it again."""
    monkeypatch.setattr(threads, "POSTS_PER_MINUTE", 10_000)


@pytest.fixture(autouse=True)
def _new_members_post_at_once(monkeypatch) -> None:
    """Factories' members post at once and without new-member limits; the tests of holding and
    of those limits set them back."""
    monkeypatch.setitem(site.DEFAULTS, "hold_first_posts", "0")
    monkeypatch.setitem(site.DEFAULTS, "trust_posts", "0")
    monkeypatch.setitem(site.DEFAULTS, "trust_days", "0")


@pytest.fixture
async def member(database) -> User:
    return await make_user("ana")


@pytest.fixture
async def other_member(database) -> User:
    return await make_user("boris")


@pytest.fixture
async def moderator(database) -> User:
    return await make_user("mod", role="moderator")


@pytest.fixture
async def manager(database) -> User:
    return await make_user("boss", role="manager")


# --- Signing in and posting forms as a browser would


def _signer() -> Signer:
    return Signer(settings.secret_key, salt="forum-session")


def _set_session_cookie(client: httpx.AsyncClient, key: str) -> None:
    # The same jar entry the server's Set-Cookie writes, so there is only ever one.
    client.cookies.jar.clear()
    client.cookies.set(web.COOKIE_NAME, _signer().sign(key).decode(), domain="testserver.local")


async def login(client: httpx.AsyncClient, user: User) -> None:
    """Give the client a signed-in session cookie for the user."""
    _set_session_cookie(client, await accounts.start_session(user))


def session_key(client: httpx.AsyncClient) -> str:
    """The client's session key, creating a guest one (as the first form page would)."""
    cookie = client.cookies.get(web.COOKIE_NAME)
    if cookie:
        return _signer().unsign(cookie).decode()
    key = f"guest-{next(_counter)}"
    _set_session_cookie(client, key)
    return key


def csrf_token(client: httpx.AsyncClient) -> str:
    """The CSRF token the client's pages carry (for forms built by hand, with repeated fields)."""
    return web.csrf_token_for_key(session_key(client))


async def submit(client: httpx.AsyncClient, url: str, data: dict | None = None) -> httpx.Response:
    """POST a form with this session's CSRF token, as the page's form would."""
    return await client.post(url, data={**(data or {}), "csrf_token": csrf_token(client)})


def csrf_from(html: str) -> str:
    """The CSRF token a rendered form carries."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


async def mailed_link(address: str, path: str) -> str:
    """The newest link to `path` (e.g. "/verify/") in the e-mail queued for `address`, as the
    path a browser opens."""
    message = (
        await OutboxMessage.filter(to_address=address, text__contains=path).order_by("-id").first()
    )
    assert message is not None, f"no e-mail with a {path} link to {address}"
    link = re.search(re.escape(settings.base_url) + "(" + re.escape(path) + r"\S+)", message.text)
    return link[1]


async def confirm_signup(client: httpx.AsyncClient, address: str) -> httpx.Response:
    """Open the link a sign-up mailed to `address`, as its holder would."""
    return await client.get(await mailed_link(address, "/verify/"))


async def signed_up(username: str, address: str | None = None, client: str = "c") -> User:
    """A member who signed up (`accounts.register`) and confirmed their address by its link."""
    address = address or f"{username}@example.com"
    await accounts.register(username, address, PASSWORD, client=client)
    link = await mailed_link(address, "/verify/")
    user, signed_up_now = await accounts.verify_email(link.removeprefix("/verify/").split("?")[0])
    assert user is not None and signed_up_now
    return user


@pytest.fixture
def write_turns(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The turns taken at SQLite's writer lock from here on, one item each (clear it before
    the part a test counts)."""
    turns: list[int] = []
    acquire = sqlite_engine.WriterLock.acquire

    async def counted(self: sqlite_engine.WriterLock) -> None:
        turns.append(1)
        await acquire(self)

    monkeypatch.setattr(sqlite_engine.WriterLock, "acquire", counted)
    return turns


@contextmanager
def count_queries() -> Iterator[list[str]]:
    """Collect every SQL statement Tortoise sends while the block runs."""
    statements: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            message = record.getMessage()
            if re.match(r"\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", message, re.I):
                statements.append(message)

    logger = logging.getLogger("tortoise.db_client")
    handler, level = Collect(level=logging.DEBUG), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield statements
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


# --- A real SMTP server


@dataclass
class Received:
    message: EmailMessage
    sender: str  # the envelope's MAIL FROM
    recipients: list[str]  # the envelope's RCPT TO addresses


class SmtpServer:
    """What the `smtp_server` fixture yields: a real SMTP server and what it received."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"smtp://127.0.0.1:{self.port}"
        self.received: list[Received] = []
        # Recipient address -> the reply that refuses it at RCPT TO, e.g. "550 5.1.1 No such user".
        self.refuse: dict[str, str] = {}
        # Called with each envelope at DATA; a reply it returns refuses the message instead.
        self.on_data: Callable[[object], Awaitable[str | None]] | None = None

    @property
    def messages(self) -> list[EmailMessage]:
        return [received.message for received in self.received]

    async def deliver(self) -> list[EmailMessage]:
        """Run the outbox sender once; the messages this server received meanwhile."""
        from forum.mail import sender

        before = len(self.received)
        await sender.deliver_due()
        return self.messages[before:]

    async def wait_for(self, count: int, timeout: float = 15.0) -> list[EmailMessage]:
        """Wait until at least `count` messages arrived (from another process, say)."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            assert time.monotonic() < deadline, f"{len(self.received)} of {count} messages came"
            await asyncio.sleep(0.02)
        return self.messages

    # aiosmtpd handler hooks, run in the server's own thread and event loop.

    async def handle_RCPT(self, server, session, envelope, address: str, options) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.on_data and (reply := await self.on_data(envelope)):
            return reply
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(Received(message, envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(monkeypatch) -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd, over TCP on 127.0.0.1) that SMTP_URL points at; it keeps
    every message it accepts as a parsed EmailMessage in `.messages`."""
    from aiosmtpd.controller import Controller

    server = SmtpServer()
    controller = Controller(server, hostname="127.0.0.1", port=server.port)
    controller.start()
    monkeypatch.setattr(settings, "smtp_url", server.url)
    try:
        yield server
    finally:
        controller.stop()
