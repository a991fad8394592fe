"""Pick what bench/load.py measures on one database, and sign members in for it.

Run with the database's environment (DATA_DIR, or DATABASE_URL); prints one JSON object: the
pages to load, a member's session cookie, and a file of posters (path, cookie, CSRF token),
one member per line, for the reply run. Sessions are made the way signing in makes them.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from itsdangerous import Signer  # noqa: E402
from tortoise import Tortoise  # noqa: E402

from forum import db, web  # noqa: E402
from forum.accounts import service as accounts  # noqa: E402
from forum.accounts.models import User  # noqa: E402
from forum.settings import settings  # noqa: E402
from forum.site import models as site  # noqa: E402
from forum.threads.models import POSTS_PER_PAGE, Category, Thread  # noqa: E402
from forum.threads.service import POSTS_PER_MINUTE  # noqa: E402

# The deep page: page 250 of a thread of 5,000 posts or more.
DEEP_PAGE = 250
# Members who post in the reply run; each may post POSTS_PER_MINUTE times a minute.
POSTERS = 1500
SEARCH_WORD = "battery"


def _cookie(key: str) -> str:
    signed = Signer(settings.secret_key, salt="forum-session").sign(key).decode()
    return f"{web.COOKIE_NAME}={signed}"


async def _open_threads(limit: int) -> list[Thread]:
    """Visible threads in open categories where members may reply, busiest categories first."""
    categories = await Category.filter(archived=False, start_role="member").values_list(
        "id", flat=True
    )
    return (
        await Thread.filter(
            category_id__in=list(categories), deleted_at=None, held=False, locked=False
        )
        .order_by("-last_posted_at")
        .limit(limit)
    )


async def _posters(limit: int) -> list[User]:
    """Members who may post, the busiest first."""
    rows = await db.fetch(
        "SELECT u.id FROM users u LEFT JOIN post p ON p.author_id = u.id"
        " WHERE u.role = 'member' AND u.suspended_at IS NULL AND u.silenced_until IS NULL"
        " AND u.pending = ? GROUP BY u.id ORDER BY COUNT(p.id) DESC, u.id LIMIT ?",
        False, limit,
    )  # fmt: skip
    ids = [row["id"] for row in rows]
    users = {user.id: user for user in await User.filter(id__in=ids)}
    return [users[i] for i in ids if i in users]


async def _drop_mail_backlog() -> None:
    """Forget the notification e-mails earlier reply runs left due. A forum's worker handles
    each within seconds, but the bench's servers run only while they are measured: hundreds of
    thousands pile up (a reply tells hundreds of watchers), and the servers' in-process worker
    would spend the next reply run on them. A run's own e-mails fall due 10 minutes later."""
    await db.execute("UPDATE notification SET email_due_at = NULL WHERE email_due_at IS NOT NULL")


async def prepare(out_dir: Path) -> dict:
    thread = (
        await Thread.filter(deleted_at=None, held=False, post_count__gte=POSTS_PER_PAGE)
        .order_by("post_count", "id")
        .first()
    )
    deepest = await Thread.filter(deleted_at=None, held=False).order_by("-post_count").first()
    category = await Category.filter(archived=False).order_by("-post_count").first()
    if thread is None or deepest is None or category is None:
        raise SystemExit("This database has no demo community: run `run.py demo --scale N`.")
    deep_page = min(DEEP_PAGE, deepest.page_count)
    # The bench's copy runs the community without new-member limits (a setting of its own):
    # at 10,000 posts only about 400 members are past them (3 approved posts), and at 6
    # replies a minute each a 10-second run could write 240 a second; the forum refused the
    # rest. Now all 835 members there post (1,500 at a million posts): the run measures
    # writing, not the pace limit.
    for setting in ("trust_posts", "trust_days", "hold_first_posts"):
        await site.set_value(setting, "0")
    posters = await _posters(POSTERS)
    if not posters:
        raise SystemExit("No member here may post without new-member limits.")
    targets = await _open_threads(200)
    await _drop_mail_backlog()
    lines = []
    for index, user in enumerate(posters):
        key = await accounts.start_session(user, "bench/load.py")
        target = targets[index % len(targets)]
        lines.append(f"/t/{target.id}/reply\t{_cookie(key)}\t{web.csrf_token_for_key(key)}")
    posters_file = out_dir / "posters.tsv"
    posters_file.write_text("\n".join(lines) + "\n")
    reader = posters[len(posters) // 2]  # a typical member, not the busiest
    reader_key = await accounts.start_session(reader, "bench/load.py")
    return {
        "pages": {
            "home": "/",
            "category": f"/c/{category.slug}",
            "thread": thread.url,
            "deep": f"{deepest.url}?page={deep_page}",
            "search": f"/search?q={SEARCH_WORD}",
            "feed": "/feeds/latest.rss",
        },
        "deep_posts": deepest.post_count,
        "deep_page": deep_page,
        "member_cookie": _cookie(reader_key),
        "posters_file": str(posters_file),
        "posters": len(posters),
        "posts_per_minute": POSTS_PER_MINUTE,
        "threads": await Thread.all().count(),
        "posts": (await db.fetch("SELECT COUNT(*) AS n FROM post"))[0]["n"],
    }


async def main() -> None:
    out_dir = Path(sys.argv[1])
    out_dir.mkdir(parents=True, exist_ok=True)
    await Tortoise.init(config=db.tortoise_config())
    try:
        print(json.dumps(await prepare(out_dir)))
    finally:
        await Tortoise.close_connections()


if __name__ == "__main__":
    asyncio.run(main())
