"""Browser tests: Debian's Chromium, driven by Playwright, against a real `run.py serve`.

The server is started once per session as a user would start it: a fresh DATA_DIR, `run.py
migrate`, then `run.py serve` on a free port of 127.0.0.1. Its database is SQLite under that
DATA_DIR, unless TEST_DATABASE_URL points at PostgreSQL: then E2E_DATABASE_URL (which .ci/run
sets to a database of its own, so the unit tests' per-test truncation cannot pull the rows out
from under the server) and, failing that, TEST_DATABASE_URL itself.

Without /usr/bin/chromium or the playwright package the tests skip locally and fail on CI
(CI=true): a CI run must never go green by skipping them.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

try:
    from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None  # type: ignore[assignment]

ROOT = Path(__file__).resolve().parents[2]
E2E_DIR = Path(__file__).resolve().parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
STARTUP_SECONDS = 20
# Console errors every page may show; a test that expects one (a 404 page) allows it itself.
KNOWN_ERRORS: list[str] = []
PASSWORD = "correct horse battery staple"
# Usernames are at most 20 characters; a short per-session suffix keeps them unique even when
# the server's database (PostgreSQL on CI) outlives one run.
RUN = secrets.token_hex(2)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_DIR in Path(item.path).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session", autouse=True)
def _require_chromium() -> None:
    problem = None
    if sync_playwright is None:
        problem = "the playwright package is not installed (pip install playwright)"
    elif not CHROMIUM.exists():
        problem = "Chromium not installed (apt-get install chromium)"
    if problem is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{problem}: browser tests cannot run, and CI must not skip them")
    pytest.skip(f"{problem}: browser tests skipped")


# --- The server


def _database_url() -> str | None:
    """None means the default: SQLite under the server's DATA_DIR."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://", "asyncpg://", "psycopg://")):
        return os.environ.get("E2E_DATABASE_URL") or url
    return url or None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    url: str
    env: dict[str, str]
    process: subprocess.Popen
    output: list[str] = field(default_factory=list)

    def cli(self, *args: str, stdin: str = "") -> str:
        """Run `python run.py ARGS` against this server's data; returns its output."""
        done = subprocess.run(
            [sys.executable, "run.py", *args],
            cwd=ROOT,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if done.returncode != 0:
            pytest.fail(f"run.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def create_user(self, username: str, role: str = "member") -> str:
        self.cli(
            "create-user", username, f"{username}@example.com", "--role", role,
            "--password-stdin", stdin=PASSWORD + "\n",
        )  # fmt: skip
        return username

    def mailed_link(self, address: str, path: str) -> str:
        """The newest link to `path` e-mailed to `address`. With no SMTP server the forum writes
        each message to DATA_DIR/mail/ as a .eml file, which a mail program would open. A worker
        round sends what is due (on PostgreSQL the server runs none of its own; on SQLite its
        own may be writing the file still, hence the wait)."""
        self.cli("worker", "--once")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            files = Path(self.env["DATA_DIR"], "mail").glob("*.eml")
            for eml in sorted(files, key=lambda file: file.stat().st_mtime, reverse=True):
                message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
                if address not in str(message["To"]):
                    continue
                text = message.get_body(("plain",)).get_content()
                # The forum's BASE_URL is left unset here, so links name its default host.
                if found := re.search(r"https?://[^/\s]+(" + re.escape(path) + r"\S+)", text):
                    return found[1]
            time.sleep(0.2)
        pytest.fail(f"no e-mail with a {path} link to {address}")

    def setup_link(self) -> str | None:
        """The one-time setup link the server printed at start, if it printed one."""
        for line in self.output:
            if match := re.search(r"(https?://\S+/setup/\S+)", line):
                return match.group(1)
        return None


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("e2e-data")
    env = dict(os.environ)
    # The unit tests' conftest sets these for its in-process app; the server makes its own.
    for name in ("SECRET_KEY", "DATABASE_URL", "BASE_URL", "SMTP_URL", "FORUM_ENV"):
        env.pop(name, None)
    env["DATA_DIR"] = str(data)
    env["PYTHONUNBUFFERED"] = "1"
    if url := _database_url():
        env["DATABASE_URL"] = url

    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    migrate = subprocess.run(
        [sys.executable, "run.py", "migrate"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    if migrate.returncode != 0:
        pytest.fail(f"run.py migrate failed:\n{migrate.stdout}\n{migrate.stderr}")

    process = subprocess.Popen(
        [sys.executable, "run.py", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    running = Server(base_url, env, process)
    assert process.stdout is not None

    def read_output() -> None:
        for line in process.stdout:
            running.output.append(line)

    reader = threading.Thread(target=read_output, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _healthy(base_url):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    f"the server did not answer /healthz within {STARTUP_SECONDS} s "
                    f"(exit code {process.poll()}):\n{''.join(running.output)}"
                )
            time.sleep(0.1)
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(timeout=5)
        process.stdout.close()


# --- The browser, and pages that must not log errors


# Package scope, not session: between its sync calls Playwright marks its event loop as running
# in the main thread, which breaks every pytest-asyncio test that runs while it is alive. Ending
# it after the last browser test leaves the unit tests that run later untouched.
@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Pages:
    """Opens pages in fresh browser contexts (one per visitor) and records every console error
    and uncaught page error; `check()` fails on any the test did not `allow()`."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.browser, self.base_url = browser, base_url
        self.contexts: list[BrowserContext] = []
        self.errors: list[str] = []
        self.allowed: list[str] = list(KNOWN_ERRORS)

    def new(self, width: int = 1280, height: int = 800) -> Page:
        context = self.browser.new_context(
            base_url=self.base_url, viewport={"width": width, "height": height}
        )
        context.set_default_timeout(10_000)
        context.on("page", self._watch)
        self.contexts.append(context)
        return context.new_page()

    def _watch(self, page: Page) -> None:
        def on_console(message: Any) -> None:
            if message.type == "error":
                where = message.location.get("url", "")
                self.errors.append(f"console error on {where or page.url}: {message.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.errors.append(f"page error on {page.url}: {error}"))

    def allow(self, pattern: str) -> None:
        """Expect console errors matching this regular expression (e.g. a deliberate 404)."""
        self.allowed.append(pattern)

    def check(self) -> None:
        unexpected = [e for e in self.errors if not any(re.search(p, e) for p in self.allowed)]
        assert not unexpected, "the browser reported errors:\n" + "\n".join(unexpected)

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def pages(browser: Browser, server: Server) -> Iterator[Pages]:
    """Browser pages for one test; at its end, no errors in the browser nor in the server log."""
    opened = Pages(browser, server.url)
    seen = len(server.output)
    try:
        yield opened
        opened.check()
        logged = "".join(server.output[seen:])
        assert "Traceback" not in logged and "ERROR" not in logged, f"server log:\n{logged}"
    finally:
        opened.close()


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("#login", username)
    page.fill("#password", password)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    assert page.locator(".user-nav .me > span:not(.avatar)").inner_text() == username


# --- The manager and a support category, made once through the admin UI

MANAGER = f"boss{RUN}"


def set_held_posts(page: Page, count: int) -> None:
    """As the manager: how many of a new member's first posts wait for approval."""
    page.goto("/admin/settings")
    page.fill("#hold_first_posts", str(count))
    page.click("form button[type=submit]")
    page.wait_for_url("**/admin/settings?saved=1")


@dataclass
class CategoryInfo:
    id: int
    name: str
    slug: str

    @property
    def url(self) -> str:
        return f"/c/{self.slug}"


@pytest.fixture(scope="package")
def support_category(browser: Browser, server: Server) -> Iterator[CategoryInfo]:
    """Claim the site with the printed setup link (or, when the database already has a manager,
    create one with `run.py create-user`), then add a support category in /admin/categories."""
    opened = Pages(browser, server.url)
    try:
        page = opened.new()
        manager = MANAGER
        link = server.setup_link()
        if link:
            page.goto(link)
            page.fill("#community_name", "E2E Community")
            page.fill("#username", manager)
            page.fill("#email", f"{manager}@example.com")
            page.fill("#password", PASSWORD)
            page.click("form button[type=submit]")
            page.wait_for_url("**/admin/categories")
        else:
            server.create_user(manager, role="manager")
            log_in(page, manager)
            page.goto("/admin/categories")
        page.click("a[href='/admin/categories/new']")
        name, slug = f"Help desk {RUN}", f"help-{RUN}"
        page.fill("#name", name)
        page.fill("#slug", slug)
        page.fill("#description", "Questions about your device; mark the answer that helped.")
        page.select_option("#kind", "support")
        page.click("form button[type=submit]")
        page.wait_for_url("**/admin/categories")
        row = page.locator("tr", has=page.locator(f"a[href='/c/{slug}']"))
        assert "Support" in row.inner_text()
        href = row.locator("a[href$='/edit']").get_attribute("href") or ""
        found = re.search(r"/admin/categories/(\d+)/edit", href)
        assert found, f"no edit link for the new category: {href!r}"
        category_id = int(found.group(1))
        # New members' first posts wait for approval by default; the journeys here are about
        # answering, so they post at once (test_moderation.py turns holding on for its test).
        set_held_posts(page, 0)
        opened.check()
    finally:
        opened.close()
    yield CategoryInfo(category_id, name, slug)
