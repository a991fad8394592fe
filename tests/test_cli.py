"""The command line, run as a user runs it: a separate process on a fresh data folder."""

import fcntl
import os
import sqlite3
import subprocess
import sys
import time

from forum.settings import ROOT


def _run(data_dir, *args, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "DATA_DIR": str(data_dir)}
    env.pop("SECRET_KEY", None)
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "run.py", *args], cwd=ROOT, env=env, input=stdin,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_migrate_create_user_and_backup_work_on_a_fresh_data_folder(tmp_path):
    assert _run(tmp_path, "migrate").returncode == 0
    assert (tmp_path / "secret_key").exists()  # generated on first run
    made = _run(
        tmp_path, "create-user", "owner", "owner@acme.test", "--role", "manager",
        "--password-stdin", stdin="a long enough password\n",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "Created manager owner" in made.stdout
    again = _run(
        tmp_path,
        "create-user",
        "OWNER",
        "x@acme.test",
        "--password-stdin",
        stdin="another pw 123\n",
    )
    assert again.returncode == 1 and "taken" in again.stderr

    backup = tmp_path / "backups" / "copy.db"
    assert _run(tmp_path, "backup", str(backup)).returncode == 0
    connection = sqlite3.connect(backup)
    assert connection.execute("SELECT username, role FROM users").fetchall() == [
        ("owner", "manager")
    ]
    connection.close()


def test_create_user_refuses_a_short_password(tmp_path):
    _run(tmp_path, "migrate")
    result = _run(tmp_path, "create-user", "ana", "ana@x.test", "--password-stdin", stdin="short\n")
    assert result.returncode == 1 and "password" in result.stderr


def test_recompute_recognition_rebuilds_a_members_points_from_the_log(tmp_path):
    assert _run(tmp_path, "migrate").returncode == 0
    connection = sqlite3.connect(tmp_path / "forum.db")
    # A member's points that drifted from the activity log (say, a bug since fixed).
    connection.execute(
        "INSERT INTO users (username, username_key, email, email_key, password_hash, role,"
        " display_name, bio, bio_html, website, language, timezone, created_at, pending,"
        " suspension_reason, silence_reason, blog_editor) VALUES ('ana', 'ana', 'a@x.test',"
        " 'a@x.test', 'x', 'member', '', '', '', '', '', '', '2026-01-01 00:00:00+00:00', 0,"
        " '', '', 0)"
    )
    connection.execute("INSERT INTO standing (user_id, points, accepted_answers, tier,"
                       " hidden_from_board) VALUES (1, 999, 0, 'champion', 0)")  # fmt: skip
    connection.commit()
    done = _run(tmp_path, "recompute-recognition")
    assert done.returncode == 0, done.stderr
    assert "rebuilt from 0 events" in done.stdout
    assert connection.execute("SELECT COUNT(*) FROM standing").fetchone() == (1,)
    assert connection.execute("SELECT points FROM standing").fetchone() == (0,)
    connection.close()


def _usernames(path) -> list[str]:
    connection = sqlite3.connect(path)
    try:
        return [name for (name,) in connection.execute("SELECT username FROM users ORDER BY id")]
    finally:
        connection.close()


def _create(data_dir, username: str) -> None:
    made = _run(
        data_dir, "create-user", username, f"{username}@acme.test", "--password-stdin",
        stdin="a long enough password\n",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr


def test_restore_puts_a_backup_back_and_keeps_the_database_it_replaces(tmp_path):
    assert _run(tmp_path, "migrate").returncode == 0
    _create(tmp_path, "before")
    backup = tmp_path / "backups" / "copy.db"
    assert _run(tmp_path, "backup", str(backup)).returncode == 0
    _create(tmp_path, "after")

    restored = _run(tmp_path, "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    assert _usernames(tmp_path / "forum.db") == ["before"]
    [kept] = tmp_path.glob("forum.db.before-restore-*")
    assert f"kept as {kept}" in restored.stdout
    assert _usernames(kept) == ["before", "after"]
    assert (
        not (tmp_path / "forum.db-wal").exists() and not (tmp_path / "forum.db.restoring").exists()
    )
    # The restored forum goes on: migrate finds it up to date, new members join it.
    assert _run(tmp_path, "migrate").returncode == 0
    _create(tmp_path, "later")
    assert _usernames(tmp_path / "forum.db") == ["before", "later"]


def test_restore_refuses_a_file_that_is_not_a_forum_database(tmp_path):
    assert _run(tmp_path, "migrate").returncode == 0
    _create(tmp_path, "ana")
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    for path in (junk, tmp_path / "missing.db"):
        refused = _run(tmp_path, "restore", str(path))
        assert refused.returncode == 1 and "Nothing restored" in refused.stderr
    assert _usernames(tmp_path / "forum.db") == ["ana"]
    assert not list(tmp_path.glob("forum.db.before-restore-*"))


def _in_use(lock) -> bool:
    if not lock.exists():
        return False
    with open(lock) as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
    return False


def test_restore_refuses_while_a_worker_uses_the_database(tmp_path):
    assert _run(tmp_path, "migrate").returncode == 0
    _create(tmp_path, "ana")
    backup = tmp_path / "copy.db"
    assert _run(tmp_path, "backup", str(backup)).returncode == 0
    env = {**os.environ, "DATA_DIR": str(tmp_path)}
    env.pop("SECRET_KEY", None)
    env.pop("DATABASE_URL", None)
    worker = subprocess.Popen(
        [sys.executable, "run.py", "worker"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not _in_use(tmp_path / "forum.db-in-use"):  # the worker is starting
            assert time.monotonic() < deadline and worker.poll() is None
            time.sleep(0.05)
        refused = _run(tmp_path, "restore", str(backup))
        assert refused.returncode == 1 and "stop it, then restore" in refused.stderr
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert _run(tmp_path, "restore", str(backup)).returncode == 0  # stopped: now it may
