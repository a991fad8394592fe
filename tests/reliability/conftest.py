"""Reliability tests: the forum as a user runs it (`run.py serve --workers 2`, FORUM_ENV=
production, SQLite under a fresh DATA_DIR), filled with the demo community, under a storm of
members posting replies over real HTTP, killed, stopped, backed up and restored.

They take minutes, so every test module here carries the `reliability` marker, which plain
`pytest` (and `make test`) leaves out; `make reliability` runs only them, and .ci/run does.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.reliability.storm import Poster

ROOT = Path(__file__).resolve().parents[2]
# About 1,150 members past the new-member limits: 64 at a time, each posting at most 6 times
# a minute (the forum's limit, left as it is), keep a 60-second storm going.
SCALE = 30_000
STARTUP_SECONDS = 30


def _run_py(env: dict[str, str], *args: str, timeout: float = 180) -> str:
    done = subprocess.run(
        [sys.executable, "run.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=timeout,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.fail(f"run.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def environment(data_dir: Path) -> dict[str, str]:
    """The environment of a user's server: only DATA_DIR and FORUM_ENV set (the unit tests'
    conftest sets SECRET_KEY and others for its own in-process app)."""
    env = dict(os.environ)
    for name in ("SECRET_KEY", "DATABASE_URL", "BASE_URL", "SMTP_URL", "FORUM_ENV", "MAIL_FROM"):
        env.pop(name, None)
    env.update(DATA_DIR=str(data_dir), FORUM_ENV="production", PYTHONUNBUFFERED="1")
    return env


@pytest.fixture(scope="session")
def community(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder holding the demo community and a signed-in session for each member who
    may post freely (bench/prepare.py, as `make bench` makes them); copied for each test."""
    data = tmp_path_factory.mktemp("community")
    env = environment(data)
    _run_py(env, "migrate")
    _run_py(env, "demo", "--scale", str(SCALE))
    prepared = subprocess.run(
        [sys.executable, "bench/prepare.py", str(data / "prepared")], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    if prepared.returncode != 0:
        pytest.fail(f"bench/prepare.py failed:\n{prepared.stderr}")
    shutil.copyfile(json.loads(prepared.stdout)["posters_file"], data / "posters.tsv")
    # A community that has been running has had its daily work done (for the demo: hundreds of
    # anniversary and welcome badges); a server's first round would otherwise do it first.
    _run_py(env, "worker", "--once")
    return data


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Forum:
    """One test's forum: its data folder and, while started, its server process group."""

    data: Path
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen | None = None
    smtp_url: str = ""
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def database(self) -> Path:
        return self.data / "forum.db"

    @property
    def env(self) -> dict[str, str]:
        env = environment(self.data)
        if self.smtp_url:
            env["SMTP_URL"] = self.smtp_url
        return env

    def log(self) -> str:
        return "".join(
            path.read_text(errors="replace") for path in sorted(self.data.glob("serve-*.log"))
        )

    def posters(self) -> list[Poster]:
        lines = (self.data / "posters.tsv").read_text().splitlines()
        return [Poster(*line.split("\t")) for line in lines if line]

    def cli(self, *args: str) -> str:
        return _run_py(self.env, *args)

    def start(self, workers: int = 2) -> None:
        """`run.py serve --workers N` in a process group of its own; returns once /healthz
        answers."""
        self.starts += 1
        log = (self.data / f"serve-{self.starts}.log").open("w")
        self.process = subprocess.Popen(
            [sys.executable, "run.py", "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", str(workers)],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + STARTUP_SECONDS
        while not self.healthy():
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the server did not start:\n{self.log()}")
            time.sleep(0.1)

    def health(self) -> dict:
        with urllib.request.urlopen(f"{self.url}/healthz", timeout=5) as response:
            return json.loads(response.read())

    def healthy(self) -> bool:
        try:
            return self.health()["status"] == "ok"
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def kill(self) -> None:
        """SIGKILL to the server and its workers at once, as a crash of the machine would."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self._wait_for_group()

    def stop(self, timeout: float = 15) -> float:
        """SIGTERM to the server, as systemd or Ctrl-C would; returns the seconds it took to
        exit."""
        assert self.process is not None
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        finally:
            self._wait_for_group()
        return time.monotonic() - started

    def _wait_for_group(self) -> None:
        """Every process of the group gone (the workers too), killing what is left after 15 s."""
        assert self.process is not None
        deadline = time.monotonic() + 15
        while True:
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                return
            if time.monotonic() > deadline:
                os.killpg(self.process.pid, signal.SIGKILL)
            time.sleep(0.05)

    def query(self, sql: str, *params: object) -> list[tuple]:
        """Read the database directly, as the operator's sqlite3 would (server stopped or not)."""
        connection = sqlite3.connect(self.database)
        try:
            return connection.execute(sql, params).fetchall()
        finally:
            connection.close()


@pytest.fixture
def forum(community: Path, tmp_path: Path) -> Iterator[Forum]:
    """A fresh copy of the community; its server is killed at the end if still running."""
    data = tmp_path / "data"
    data.mkdir()
    for name in ("forum.db", "forum.db-wal", "secret_key", "posters.tsv"):
        if (community / name).exists():
            shutil.copyfile(community / name, data / name)
    running = Forum(data)
    try:
        yield running
    finally:
        if running.process is not None and running.process.poll() is None:
            running.kill()
