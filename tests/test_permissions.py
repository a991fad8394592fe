"""Who may reach what: every route in the app's table, for every role.

The table below must name every route the app serves, so a new route cannot escape the matrix.
Each route is asked by eight visitors: a guest; a member with no part in what the route acts on;
the author of the thread, post, poll, idea and guest post it acts on; another member who
replied in that thread and watches it; a silenced member; a suspended member (whose session
survived: it must count for nothing); a moderator; and the manager.
"""

import secrets
from datetime import UTC, datetime, timedelta

import pytest
from starlette.routing import Route

from forum.accounts import service as accounts
from forum.app import create_app
from forum.blog import service as blog
from forum.blog import uploads
from forum.polls import service as polls
from forum.threads import service
from forum.threads import tags as tagging
from forum.threads.models import Post
from tests.conftest import login, make_category, make_reply, make_thread, make_user, submit

ROLES = ("guest", "member", "author", "another", "silenced", "suspended", "moderator", "manager")
# A suspended member is a guest to the forum: they appear wherever guests do, nowhere else.
ANYONE = ROLES
# Members whose account is active: they read, keep their own settings, bookmarks and watches.
SIGNED_IN = ("member", "author", "another", "silenced", "moderator", "manager")
# ...and those who may write (post, reply, like, flag, vote, pitch): not while silenced.
WRITERS = ("member", "author", "another", "moderator", "manager")
# Writers acting on what someone else wrote (no liking, flagging or voting up one's own).
OTHERS = ("member", "another", "moderator", "manager")
STAFF = ("moderator", "manager")
MANAGER = ("manager",)
AUTHOR = ("author",)
AUTHOR_OR_STAFF = ("author", "moderator", "manager")
NOBODY = ()
AUTOSAVE = {"title": "Lamps", "summary": "", "body": "Warm light"}

# path -> (method, who may, form). Those who may get a page, a redirect or 204; a guest (or the
# suspended) asking for any other page is sent to log in; everyone else gets 403 or 404.
MATRIX = {
    "/": ("GET", ANYONE, None),
    "/categories": ("GET", ANYONE, None),
    "/c/{slug}": ("GET", ANYONE, None),
    "/t/{thread_id:int}": ("GET", ANYONE, None),
    "/t/{thread_id:int}/{slug}": ("GET", ANYONE, None),
    "/u/{username}": ("GET", ANYONE, None),
    "/p/{post_id:int}": ("GET", ANYONE, None),
    "/register": ("GET", ANYONE, None),
    "/login": ("GET", ANYONE, None),
    "/healthz": ("GET", ANYONE, None),
    "/feeds/latest.rss": ("GET", ANYONE, None),
    "/feeds/latest.atom": ("GET", ANYONE, None),
    "/feeds/c/{slug}.rss": ("GET", ANYONE, None),
    "/feeds/c/{slug}.atom": ("GET", ANYONE, None),
    "/feeds/t/{thread_id:int}.rss": ("GET", ANYONE, None),
    "/feeds/t/{thread_id:int}.atom": ("GET", ANYONE, None),
    "/feeds/u/{username}.rss": ("GET", ANYONE, None),
    "/feeds/u/{username}.atom": ("GET", ANYONE, None),
    "/static/{path:path}": ("GET", ANYONE, None),
    "/search": ("GET", ANYONE, None),
    "/search/similar": ("GET", ANYONE, None),
    "/t/new": ("GET", WRITERS, None),
    "/t/{thread_id:int}/reply": ("POST", WRITERS, {"body": "A reply"}),
    # Polls: the author's thread has one (the author and staff are sent to it).
    "/t/{thread_id:int}/poll": ("GET", AUTHOR_OR_STAFF, None),
    "/polls/{poll_id:int}/vote": ("POST", WRITERS, {"option": "{option_id}"}),
    "/polls/{poll_id:int}/close": ("POST", AUTHOR_OR_STAFF, {}),
    "/polls/{poll_id:int}/results.csv": ("GET", MANAGER, None),
    # Ideas: on the author's idea (closed ideas and the like: tests/ideas/test_routes.py).
    "/t/{thread_id:int}/vote": ("POST", OTHERS, {}),
    # Taking a vote back is allowed while silenced (and is nothing for the author).
    "/t/{thread_id:int}/unvote": ("POST", SIGNED_IN, {}),
    "/t/{thread_id:int}/idea-status": ("POST", STAFF, {"status": "planned", "note": "Soon"}),
    # Tags, interests and the home page's lists (tests/threads/test_tags.py, tests/interests/).
    "/latest": ("GET", ANYONE, None),
    "/top": ("GET", ANYONE, None),
    "/for-you": ("GET", SIGNED_IN, None),
    "/welcome": ("GET", SIGNED_IN, None),
    "/settings/interests": ("GET", SIGNED_IN, None),
    "/tags": ("GET", ANYONE, None),
    "/tag/{slug}": ("GET", ANYONE, None),
    "/tag/{slug}/watch": ("POST", SIGNED_IN, {"level": "watching"}),
    "/feeds/tag/{slug}.rss": ("GET", ANYONE, None),
    "/feeds/tag/{slug}.atom": ("GET", ANYONE, None),
    "/admin/tags": ("GET", MANAGER, None),
    "/admin/tags/{tag_id:int}/edit": ("GET", MANAGER, None),
    "/admin/tags/{tag_id:int}/delete": ("POST", MANAGER, {}),
    # The post acted on is the author's reply in their own thread.
    "/p/{post_id:int}/like": ("POST", OTHERS, {}),
    "/p/{post_id:int}/unlike": ("POST", SIGNED_IN, {}),  # taking one's own like back
    # Unread tracking and bookmarks: each member's own (another member's bookmarks are out of
    # reach: tests/threads/test_bookmarks.py).
    "/new": ("GET", SIGNED_IN, None),
    "/unread": ("GET", SIGNED_IN, None),
    "/new/dismiss": ("POST", SIGNED_IN, {}),
    "/unread/dismiss": ("POST", SIGNED_IN, {}),
    "/bookmarks": ("GET", SIGNED_IN, None),
    "/p/{post_id:int}/bookmark": ("GET", SIGNED_IN, None),
    "/p/{post_id:int}/unbookmark": ("POST", SIGNED_IN, {}),
    "/logout": ("POST", ANYONE, {}),
    "/settings": ("GET", ANYONE, None),  # a redirect to /settings/profile, which checks
    "/settings/profile": ("GET", SIGNED_IN, None),
    "/settings/account": ("GET", SIGNED_IN, None),
    # Privacy: the download and deleting the account (tests/accounts/test_privacy.py). The
    # matrix sends a wrong password: the form shown again (400) proves the route was reached.
    "/settings/privacy": ("GET", SIGNED_IN, None),
    "/settings/privacy/export": ("GET", SIGNED_IN, None),
    "/settings/privacy/delete": ("POST", SIGNED_IN, {"password": "wrong", "posts": "keep"}),
    "/account-deleted": ("GET", ANYONE, None),
    "/setup/{token}": ("GET", NOBODY, None),  # only with the printed token; see accounts tests
    "/p/{post_id:int}/edit": ("GET", AUTHOR_OR_STAFF, None),
    "/p/{post_id:int}/delete": ("POST", AUTHOR, {}),  # staff delete from /mod, with a reason
    "/p/{post_id:int}/solve": ("POST", AUTHOR_OR_STAFF, {}),  # the asker picks the answer
    "/t/{thread_id:int}/unsolve": ("POST", AUTHOR_OR_STAFF, {}),
    "/mod/threads/{thread_id:int}": ("GET", STAFF, None),
    "/mod/threads/{thread_id:int}/{action}": ("POST", STAFF, {"reason": "Done"}),
    "/p/{post_id:int}/revisions": ("GET", STAFF, None),
    "/language/{code}": ("GET", ANYONE, None),
    "/admin/settings": ("GET", MANAGER, None),
    "/p/{post_id:int}/flag": ("GET", OTHERS, None),
    "/mod": ("GET", STAFF, None),
    "/mod/queue": ("GET", STAFF, None),
    "/mod/queue/decide": ("POST", STAFF, {"action": "dismiss", "post": "{post_id:int}"}),
    "/mod/posts/{post_id:int}/{action}": ("GET", STAFF, None),
    "/mod/posts/{post_id:int}/{action}/do": ("POST", STAFF, {"reason": "Off topic here"}),
    "/mod/audit": ("GET", STAFF, None),
    "/mod/signups/{user_id:int}/{action}": ("POST", STAFF, {}),
    "/mod/users/{username}": ("GET", STAFF, None),
    "/mod/users/{username}/act": ("POST", STAFF, {"action": "note", "body": "Watch this"}),
    "/admin": ("GET", MANAGER, None),
    "/admin/dashboard.csv": ("GET", MANAGER, None),
    "/admin/staff": ("GET", MANAGER, None),
    "/admin/watched-words": ("GET", MANAGER, None),
    "/admin/watched-words/{word_id:int}/delete": ("POST", MANAGER, {}),
    "/admin/categories": ("GET", MANAGER, None),
    "/admin/categories/new": ("GET", MANAGER, None),
    "/admin/categories/{category_id:int}/edit": ("GET", MANAGER, None),
    "/admin/categories/{category_id:int}/move": ("POST", MANAGER, {"direction": "up"}),
    "/admin/categories/{category_id:int}/archive": ("POST", MANAGER, {"archived": "0"}),
    "/password-reset": ("GET", ANYONE, None),
    "/password-reset/{token}": ("GET", NOBODY, None),  # only with a mailed link
    "/verify/{token}": ("GET", NOBODY, None),  # only with a mailed link
    "/settings/verify-email": ("POST", SIGNED_IN, {}),
    "/notifications": ("GET", SIGNED_IN, None),
    "/notifications/read": ("POST", SIGNED_IN, {}),
    "/settings/notifications": ("GET", SIGNED_IN, None),
    "/t/{thread_id:int}/watch": ("POST", SIGNED_IN, {"level": "watching"}),
    "/c/{slug}/watch": ("POST", SIGNED_IN, {"level": "muted"}),
    # Only with a link from an e-mail, signed in or not; see the notifications tests.
    "/unsubscribe/{token}": ("GET", NOBODY, None),
    "/badges": ("GET", ANYONE, None),
    "/badges/{slug}": ("GET", ANYONE, None),
    "/badges/{slug}.png": ("GET", ANYONE, None),
    "/advocates": ("GET", ANYONE, None),
    "/admin/recognition": ("GET", MANAGER, None),
    "/settings/recognition": ("GET", SIGNED_IN, None),
    "/admin/advocates": ("GET", MANAGER, None),
    # Guest-post editing: the manager, and moderators given the right (tests/blog/test_editors.py).
    # These act on the author's published guest post, which has a correction waiting.
    "/admin/guest-posts": ("GET", MANAGER, None),
    "/admin/guest-posts/invite": ("GET", MANAGER, None),
    "/admin/guest-posts/{post_id:int}": ("GET", MANAGER, None),
    "/admin/guest-posts/{post_id:int}/act": ("POST", MANAGER, {"action": "unpublish"}),
    "/admin/guest-posts/{post_id:int}/comment": ("POST", MANAGER, {"body": "Looks good"}),
    "/admin/guest-posts/{post_id:int}/correction": ("POST", MANAGER, {"decision": "decline"}),
    "/admin/staff/blog-editor": ("POST", MANAGER, {"username": "moder", "value": "1"}),
    "/blog": ("GET", ANYONE, None),
    "/blog/{slug}": ("GET", ANYONE, None),  # the published post
    "/feeds/blog.rss": ("GET", ANYONE, None),
    "/feeds/blog.atom": ("GET", ANYONE, None),
    # The guest author's side: their own list, and pitching (the tier check is the service's).
    "/guest-posts": ("GET", SIGNED_IN, None),
    "/guest-posts/pitch": ("GET", WRITERS, None),
    # The author's draft: to anyone else it does not exist (the manager, an editor, is sent to
    # the editors' page for it).
    "/guest-posts/{post_id:int}": ("GET", ("author", "manager"), None),
    "/guest-posts/{post_id:int}/act": ("POST", AUTHOR, {"action": "withdraw"}),
    "/guest-posts/{post_id:int}/comment": ("POST", AUTHOR, {"body": "A question"}),
    "/guest-posts/{post_id:int}/edit": ("GET", AUTHOR, None),
    "/guest-posts/{post_id:int}/autosave": ("POST", AUTHOR, AUTOSAVE),
    "/guest-posts/{post_id:int}/preview": ("GET", AUTHOR, None),
    "/guest-posts/{post_id:int}/correction": ("GET", AUTHOR, None),  # of the published post
    "/uploads/covers/{name}": ("GET", ANYONE, None),  # the published post's cover
}


def test_the_matrix_names_every_route_the_app_serves():
    paths = {route.path for route in create_app().routes if isinstance(route, Route)}
    assert sorted(paths - set(MATRIX)) == [], "routes missing from the matrix"
    assert sorted(set(MATRIX) - paths) == [], "routes the app no longer serves"


def test_the_suspended_appear_only_where_guests_do():
    for path, (_, allowed, _) in MATRIX.items():
        assert ("suspended" in allowed) == ("guest" in allowed), path


SOON = datetime.now(UTC) + timedelta(days=3)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)
DRAFT = {
    "title": "Lighting a reading corner",
    "summary": "Three setups that our members love.",
    "body": "A reading corner wants warm light from behind the shoulder, never the front. " * 4,
}


async def _guest_posts(author, editor) -> dict:
    """The author's draft, and their published post with a cover and a correction waiting."""
    found = {}
    for name in ("draft", "published"):
        post = await blog.invite(
            editor, author, topic=f"Reading corners ({name})", brief="Three setups members love",
            message="", due="2030-01-31",
        )  # fmt: skip
        await blog.move(post, author, "accept")
        cover = f"{secrets.token_hex(16)}.png"
        uploads.cover_dir().mkdir(parents=True, exist_ok=True)
        (uploads.cover_dir() / cover).write_bytes(PNG)
        await blog.save_draft(post, author, **{**DRAFT, "title": f"{DRAFT['title']} {name}"},
                              cover=cover)  # fmt: skip
        found[name] = post
    published = found["published"]
    await blog.move(published, author, "submit")
    for action in ("review", "approve", "publish"):
        await blog.move(published, editor, action)
    await blog.propose_correction(published, author, **{**DRAFT, "title": "Reading corners"})
    return found


@pytest.fixture
async def world(database):
    """A support thread by its author, with another member's reply (they now watch it) and the
    author's own; an idea, a poll and a tag; one user per role."""
    author = await make_user("author")
    users = {
        "author": author,
        "member": await make_user("someone"),
        "another": await make_user("another"),
        "silenced": await make_user("hushed", silenced_until=SOON, silence_reason="Cooling off"),
        "suspended": await make_user("banned"),
        "moderator": await make_user("moder", role="moderator"),
        "manager": await make_user("chief", role="manager"),
    }
    await accounts.suspend(users["suspended"], until=None, reason="Spam")
    category = await make_category(kind="support")
    thread = await make_thread(author, category=category, title="Where is the manual")
    await make_reply(thread, users["another"], "Page 12 of the quick start")
    reply = await make_reply(thread, author, "Found it myself")
    waiting = await make_user("waiting", pending=True)
    idea = await make_thread(author, category=await make_category(kind="ideas"),
                             title="Please add dark mode")  # fmt: skip
    poll = await polls.create_poll(thread, author, question="Was the manual clear?",
                                   options="Yes\nNo")  # fmt: skip
    tag = await tagging.create_tag({"name": "Manuals"})
    return {"users": users, "thread": thread, "reply": reply, "category": category,
            "waiting": waiting, "poll": poll, "idea": idea, "tag": tag,
            "poll_option": (await polls.options_of(poll))[0]}  # fmt: skip


def _url(path: str, world: dict) -> str:
    thread = world["thread"]
    slug = world["category"].slug if "/c/" in path else thread.slug
    if "/tag/" in path:
        slug = world["tag"].slug
    if path.startswith("/blog/"):
        slug = world["guest_posts"]["published"].slug
    if path.endswith(("/vote", "/unvote", "/idea-status")) and path.startswith("/t/"):
        thread = world["idea"]
    post_id, cover = world["reply"].id, ""
    if guest_posts := world.get("guest_posts"):
        published = path.startswith("/admin/") or path.endswith("/correction")
        post_id = guest_posts["published" if published else "draft"].id
        cover = guest_posts["published"].cover
    return (
        path.replace("{thread_id:int}", str(thread.id))
        .replace("{slug}", slug)
        .replace("{tag_id:int}", str(world["tag"].id))
        .replace(f"/badges/{thread.slug}", "/badges/first-post")
        .replace("{post_id:int}", str(post_id))
        .replace("{username}", "author")
        .replace("{category_id:int}", str(world["category"].id))
        .replace("{path:path}", "forum.css")
        .replace("{token}", "not-the-token")
        .replace("{code}", "tr")
        .replace("{word_id:int}", "1")
        .replace("{user_id:int}", str(world["waiting"].id))
        .replace("{poll_id:int}", str(world["poll"].id))
        .replace("{option_id}", str(world["poll_option"].id))
        .replace("{name}", cover)
        .replace(
            "{action}",
            {"/mod/threads": "lock", "/mod/signups": "approve"}.get(path[:12], "hide"),
        )
    )


# A page changes nothing another visitor's answer depends on: its eight visitors share one
# world (a fresh one per visitor would cost the suite minutes on PostgreSQL). A form may: each
# visitor posts it in a world of their own.
PAGES = sorted(path for path, (method, _, _) in MATRIX.items() if method == "GET")
FORMS = sorted(path for path, (method, _, _) in MATRIX.items() if method != "GET")


@pytest.mark.parametrize("path", PAGES)
async def test_each_page_answers_each_role_as_the_matrix_says(client, world, path):
    for role in ROLES:
        client.cookies.clear()
        await _check(client, world, path, role)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", FORMS)
async def test_each_form_answers_each_role_as_the_matrix_says(client, world, path, role):
    await _check(client, world, path, role)


async def _check(client, world: dict, path: str, role: str) -> None:
    method, allowed, form = MATRIX[path]
    if "guest_posts" not in world and (
        path.startswith(("/blog/", "/uploads/")) or "guest-posts/" in path
    ):
        world["guest_posts"] = await _guest_posts(world["users"]["author"],
                                                  world["users"]["manager"])  # fmt: skip
    if role != "guest":
        await login(client, world["users"][role])
    url = _url(path, world)
    form = {key: _url(value, world) for key, value in (form or {}).items()}
    response = await (client.get(url) if method == "GET" else submit(client, url, form))
    where = response.headers.get("location", "")
    if role in allowed:
        reached = (200, 204, 301, 303, *((400,) if path in SHOWN_AGAIN else ()))
        assert response.status_code in reached, (url, role, response.status_code)
        assert not where.startswith("/login"), (url, role, where)
    elif role in ("guest", "suspended") and method == "GET" and path not in NOT_LINKED:
        # Guests are asked to sign in first.
        assert response.status_code == 303, (url, role, response.status_code)
        assert where.startswith("/login?next="), (url, role, where)
    else:
        assert response.status_code in (403, 404), (url, role, response.status_code)


# Forms the matrix fills in wrongly on purpose (a wrong password): reached, they answer 400.
SHOWN_AGAIN = {"/settings/privacy/delete"}

# Addresses nobody reaches by a link on a page: without the right token they do not exist.
NOT_LINKED = {path for path in MATRIX if path.endswith("{token}")}


async def test_unsafe_requests_without_a_token_are_refused_on_every_route(client, world):
    await login(client, world["users"]["manager"])
    for path, (method, _, _) in MATRIX.items():
        if method == "POST" and "guest-posts/" not in path:
            response = await client.post(_url(path, world), data={})
            assert response.status_code == 403, path
    assert not await Post.filter(deleted_at__isnull=False).exists()
    assert (await service.get_thread(world["thread"].id)).locked is False
