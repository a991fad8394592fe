"""Command line: serve, migrate, worker, create-user, demo, backup, restore."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from tortoise import Tortoise

from forum import db
from forum.settings import settings


async def _with_database(work: Callable[[], Awaitable[Any]]) -> Any:
    from forum import pagecache

    await Tortoise.init(config=db.tortoise_config())
    try:
        result = await work()
        # A command may have changed what guests see; running servers must not serve old pages.
        await pagecache.bump()
        return result
    finally:
        await Tortoise.close_connections()


def _prepare_data_dir() -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)


def cmd_migrate(args: argparse.Namespace) -> int:
    _prepare_data_dir()

    asyncio.run(db.migrate())
    print("Database is up to date.")
    return 0


# On SIGTERM (or Ctrl-C) the server stops taking connections at once and gives the requests
# in progress this many seconds to finish; it is gone within about two seconds more.
SHUTDOWN_SECONDS = 7


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from forum import backup

    _prepare_data_dir()
    base_url = settings.base_url if "BASE_URL" in os.environ else f"http://{args.host}:{args.port}"
    asyncio.run(_announce_setup_link(base_url))
    in_use = backup.hold_in_use_lock()  # noqa: F841 (held until the process ends)
    config = uvicorn.Config(
        "forum.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        http="httptools",
        loop="uvloop",
        proxy_headers=args.proxy_headers,
        access_log=args.access_log,
        log_level="info",
        timeout_graceful_shutdown=SHUTDOWN_SECONDS,
    )
    if args.workers > 1:
        _supervisor(config).run()
        return 0
    server = uvicorn.Server(config)
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    return 0 if server.started else 3


def _supervisor(config: Any) -> Any:
    """uvicorn's supervisor of worker processes, except that a stop closes its listening
    socket at once: uvicorn's keeps it open until every worker has finished, so the kernel
    went on accepting connections that no one would ever answer. Now they are refused, and
    the workers finish the requests they have."""
    import signal

    from uvicorn.supervisors import Multiprocess

    class Supervisor(Multiprocess):
        def __init__(self, config: Any) -> None:
            super().__init__(config, sockets=[config.bind_socket()])
            for stop in (signal.SIGTERM, signal.SIGINT):
                signal.signal(stop, self._stop)

        def _stop(self, number: int, frame: Any) -> None:
            for sock in self.sockets:
                sock.close()
            self.signal_queue.append(number)  # uvicorn's handler: tell the workers

    return Supervisor(config)


async def _announce_setup_link(base_url: str) -> None:
    """While no manager exists, print a one-time link that lets the owner claim the site."""
    from forum.accounts import service as accounts

    async def work() -> None:
        token = await accounts.new_setup_token()
        if token:
            line = "=" * 72
            print(
                f"\n{line}\n  No community manager yet. Open this one-time link to set up:\n"
                f"  {base_url}/setup/{token}\n{line}\n",
                flush=True,
            )

    await _with_database(work)


def cmd_worker(args: argparse.Namespace) -> int:
    from forum import backup, worker

    in_use = backup.hold_in_use_lock()  # noqa: F841 (held until the process ends)

    # What the worker does (mail sent, retried, given up), not every library's chatter.
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("forum").setLevel(logging.INFO)
    asyncio.run(_with_database(lambda: worker.run_forever(once=args.once)))
    return 0


def cmd_create_user(args: argparse.Namespace) -> int:
    from forum.accounts import service as accounts
    from forum.forms import Invalid

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password again: "):
            print("The passwords differ.", file=sys.stderr)
            return 1

    async def work() -> int:
        try:
            user = await accounts.create_user(args.username, args.email, password, role=args.role)
        except Invalid as error:
            for name, message in error.errors.items():
                print(f"{name}: {message}", file=sys.stderr)
            return 1
        print(f"Created {user.role} {user.username}.")
        return 0

    return asyncio.run(_with_database(work))


def cmd_demo(args: argparse.Namespace) -> int:
    from forum import demo

    async def work() -> int:
        return await demo.run(scale=args.scale, force=args.force)

    return asyncio.run(_with_database(work))


def cmd_recompute_recognition(args: argparse.Namespace) -> int:
    from forum.advocacy import service as advocacy

    async def work() -> int:
        replayed = await advocacy.recompute()
        print(f"Recognition rebuilt from {replayed} events.")
        return 0

    return asyncio.run(_with_database(work))


def cmd_reindex_search(args: argparse.Namespace) -> int:
    from forum.search import service as search

    async def work() -> int:
        indexed = await search.rebuild()
        print(f"Search index rebuilt: {indexed} posts.")
        return 0

    return asyncio.run(_with_database(work))


def cmd_backup(args: argparse.Namespace) -> int:
    from forum import backup

    backup.backup(args.path)
    print(f"Backup written to {args.path}.")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from forum import backup

    try:
        kept = backup.restore(args.path)
    except backup.RestoreRefused as refusal:
        print(f"Nothing restored. {refusal}", file=sys.stderr)
        return 1
    print(f"Restored the database from {args.path}.")
    if kept:
        print(f"The database it replaced is kept as {kept}.")
    print("Run `python run.py migrate` if the backup comes from an older release.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="run.py", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the forum over HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--proxy-headers", action="store_true", help="trust X-Forwarded-For")
    serve.add_argument("--access-log", action="store_true")
    serve.set_defaults(func=cmd_serve)

    migrate = commands.add_parser("migrate", help="apply database migrations")
    migrate.set_defaults(func=cmd_migrate)

    worker = commands.add_parser(
        "worker",
        help="send queued e-mail and run background jobs",
        description="Send the e-mail that is due (over SMTP_URL, or into DATA_DIR/mail/ when it"
        " is empty) and prune expired rate limits, every few seconds until stopped. Any number"
        " of workers may run at once: each message is claimed by one of them.",
    )
    worker.add_argument(
        "--once",
        action="store_true",
        help="run one round (send everything due now) and exit; non-zero exit when it fails",
    )
    worker.set_defaults(func=cmd_worker)

    create_user = commands.add_parser("create-user", help="create an account")
    create_user.add_argument("username")
    create_user.add_argument("email")
    create_user.add_argument("--role", choices=("member", "moderator", "manager"), default="member")
    create_user.add_argument("--password-stdin", action="store_true")
    create_user.set_defaults(func=cmd_create_user)

    demo = commands.add_parser("demo", help="fill an empty database with a believable community")
    demo.add_argument("--scale", type=int, default=600, help="about how many posts")
    demo.add_argument("--force", action="store_true", help="add to a database that has content")
    demo.set_defaults(func=cmd_demo)

    recompute = commands.add_parser(
        "recompute-recognition",
        help="rebuild points, tiers and badges by replaying the activity log",
    )
    recompute.set_defaults(func=cmd_recompute_recognition)

    reindex = commands.add_parser(
        "reindex-search",
        help="rebuild the search index from every shown post (after changing the community's"
        " language, which decides how words are stemmed)",
    )
    reindex.set_defaults(func=cmd_reindex_search)

    backup = commands.add_parser(
        "backup",
        help="write a consistent copy of the database (while the forum runs)",
        description="Write a consistent copy of the database to PATH while the forum keeps"
        " running: SQLite's online backup API, or pg_dump's custom format on PostgreSQL.",
    )
    backup.add_argument("path")
    backup.set_defaults(func=cmd_backup)

    restore = commands.add_parser(
        "restore",
        help="put a backup back in place of the database (with the forum stopped)",
        description="Replace the SQLite database with the copy at PATH (made by `run.py"
        " backup`). Stop the server and workers first: restore refuses while they run. The"
        " copy is checked, then swapped in whole; the database it replaces is kept beside it"
        " as <database>.before-restore-<time>. On PostgreSQL, use pg_restore (see the README).",
    )
    restore.add_argument("path")
    restore.set_defaults(func=cmd_restore)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
