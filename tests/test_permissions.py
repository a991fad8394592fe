"""Who may reach what: every route in the app's table, for every role.

The table below must name every route the app serves, so a new route cannot escape the matrix.
"""

import pytest
from starlette.routing import Route

from forum.app import create_app
from forum.polls import service as polls
from forum.threads import service
from forum.threads import tags as tagging
from forum.threads.models import Post
from tests.conftest import login, make_category, make_reply, make_thread, make_user, submit

ROLES = ("guest", "member", "moderator", "manager")
ANYONE, MEMBERS, STAFF, MANAGER = ROLES, ROLES[1:], ROLES[2:], ROLES[3:]

# path -> (method, who may, form). Allowed roles get a page or a redirect; a guest asking for
# any other page is sent to log in; everyone else gets 403 (or 404).
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
    "/t/new": ("GET", MEMBERS, None),
    "/t/{thread_id:int}/reply": ("POST", MEMBERS, {"body": "A reply"}),
    # Polls: the world's thread has one (its author added it; staff are sent to it, members
    # who are not the author refused; adding one is tested in tests/polls/test_routes.py).
    "/t/{thread_id:int}/poll": ("GET", STAFF, None),
    "/polls/{poll_id:int}/vote": ("POST", MEMBERS, {"option": "{option_id}"}),
    "/polls/{poll_id:int}/close": ("POST", STAFF, {}),  # and its author
    "/polls/{poll_id:int}/results.csv": ("GET", MANAGER, None),
    # Ideas: on the world's idea (by its author: everyone else may vote; who else is refused,
    # guests, silenced, the author, closed ideas, is tested in tests/ideas/test_routes.py).
    "/t/{thread_id:int}/vote": ("POST", MEMBERS, {}),
    "/t/{thread_id:int}/unvote": ("POST", MEMBERS, {}),
    "/t/{thread_id:int}/idea-status": ("POST", STAFF, {"status": "planned", "note": "Soon"}),
    # Tags, interests and the home page's lists (tests/threads/test_tags.py,
    # tests/interests/): the world has one tag.
    "/latest": ("GET", ANYONE, None),
    "/top": ("GET", ANYONE, None),
    "/for-you": ("GET", MEMBERS, None),
    "/welcome": ("GET", MEMBERS, None),
    "/settings/interests": ("GET", MEMBERS, None),
    "/tags": ("GET", ANYONE, None),
    "/tag/{slug}": ("GET", ANYONE, None),
    "/tag/{slug}/watch": ("POST", MEMBERS, {"level": "watching"}),
    "/feeds/tag/{slug}.rss": ("GET", ANYONE, None),
    "/feeds/tag/{slug}.atom": ("GET", ANYONE, None),
    "/admin/tags": ("GET", MANAGER, None),
    "/admin/tags/{tag_id:int}/edit": ("GET", MANAGER, None),
    "/admin/tags/{tag_id:int}/delete": ("POST", MANAGER, {}),
    "/p/{post_id:int}/like": ("POST", MEMBERS, {}),
    "/p/{post_id:int}/unlike": ("POST", MEMBERS, {}),
    # Unread tracking and bookmarks: each member's own (another member's bookmarks are out of
    # reach: tests/threads/test_bookmarks.py).
    "/new": ("GET", MEMBERS, None),
    "/unread": ("GET", MEMBERS, None),
    "/new/dismiss": ("POST", MEMBERS, {}),
    "/unread/dismiss": ("POST", MEMBERS, {}),
    "/bookmarks": ("GET", MEMBERS, None),
    "/p/{post_id:int}/bookmark": ("GET", MEMBERS, None),
    "/p/{post_id:int}/unbookmark": ("POST", MEMBERS, {}),
    "/logout": ("POST", ANYONE, {}),
    "/settings": ("GET", ANYONE, None),
    "/settings/profile": ("GET", MEMBERS, None),
    "/settings/account": ("GET", MEMBERS, None),
    "/setup/{token}": ("GET", (), None),  # only with the printed token; see accounts tests
    # The author's own post: others are refused (object-level check).
    "/p/{post_id:int}/edit": ("GET", STAFF, None),
    "/p/{post_id:int}/delete": ("POST", (), {}),  # staff delete from /mod, with a reason
    "/p/{post_id:int}/solve": ("POST", STAFF, {}),
    "/t/{thread_id:int}/unsolve": ("POST", STAFF, {}),
    "/mod/threads/{thread_id:int}": ("GET", STAFF, None),
    "/mod/threads/{thread_id:int}/{action}": ("POST", STAFF, {"reason": "Done"}),
    "/p/{post_id:int}/revisions": ("GET", STAFF, None),
    "/language/{code}": ("GET", ANYONE, None),
    "/admin/settings": ("GET", MANAGER, None),
    "/p/{post_id:int}/flag": ("GET", MEMBERS, None),
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
    "/password-reset/{token}": ("GET", (), None),  # only with a mailed link
    "/verify/{token}": ("GET", (), None),  # only with a mailed link
    "/settings/verify-email": ("POST", MEMBERS, {}),
    "/notifications": ("GET", MEMBERS, None),
    "/notifications/read": ("POST", MEMBERS, {}),
    "/settings/notifications": ("GET", MEMBERS, None),
    "/t/{thread_id:int}/watch": ("POST", MEMBERS, {"level": "watching"}),
    "/c/{slug}/watch": ("POST", MEMBERS, {"level": "muted"}),
    # Only with a link from an e-mail, signed in or not; see the notifications tests.
    "/unsubscribe/{token}": ("GET", (), None),
    "/badges": ("GET", ANYONE, None),
    "/badges/{slug}": ("GET", ANYONE, None),
    "/badges/{slug}.png": ("GET", ANYONE, None),
    "/advocates": ("GET", ANYONE, None),
    "/admin/recognition": ("GET", MANAGER, None),
    "/settings/recognition": ("GET", MEMBERS, None),
    "/admin/advocates": ("GET", MANAGER, None),
    # Guest-post editing: the manager, and moderators given the right (tests/blog/test_editors.py).
    "/admin/guest-posts": ("GET", MANAGER, None),
    "/admin/guest-posts/invite": ("GET", MANAGER, None),
    # Need a guest post (there is none here: 404 for editors); tested in tests/blog/test_editors.py.
    "/admin/guest-posts/{post_id:int}": ("GET", (), None),
    "/admin/guest-posts/{post_id:int}/act": ("POST", (), {"action": "approve"}),
    "/admin/guest-posts/{post_id:int}/comment": ("POST", (), {"body": "Looks good"}),
    "/admin/guest-posts/{post_id:int}/correction": ("POST", (), {"decision": "apply"}),
    "/admin/staff/blog-editor": ("POST", MANAGER, {"username": "moder", "value": "1"}),
    "/blog": ("GET", ANYONE, None),
    # Only a published post's slug (none here: 404 for everyone); see tests/blog/test_public.py.
    "/blog/{slug}": ("GET", (), None),
    "/feeds/blog.rss": ("GET", ANYONE, None),
    "/feeds/blog.atom": ("GET", ANYONE, None),
    # The guest author's side: their own list, and pitching (the tier check is the service's).
    "/guest-posts": ("GET", MEMBERS, None),
    "/guest-posts/pitch": ("GET", MEMBERS, None),
    # Only the post's author (there is none here: 404 for everyone signed in, a guest is sent to
    # log in); see tests/blog/test_author.py.
    "/guest-posts/{post_id:int}": ("GET", (), None),
    "/guest-posts/{post_id:int}/act": ("POST", (), {"action": "withdraw"}),
    "/guest-posts/{post_id:int}/comment": ("POST", (), {"body": "A question"}),
    "/guest-posts/{post_id:int}/edit": ("GET", (), None),
    "/guest-posts/{post_id:int}/autosave": ("POST", (), {"title": "", "summary": "", "body": ""}),
    "/guest-posts/{post_id:int}/preview": ("GET", (), None),
    "/guest-posts/{post_id:int}/correction": ("GET", (), None),
    # Only names the upload code made (none here: 404 for everyone); see tests/blog/test_author.py.
    "/uploads/covers/{name}": ("GET", (), None),
}


def test_the_matrix_names_every_route_the_app_serves():
    paths = {route.path for route in create_app().routes if isinstance(route, Route)}
    assert paths == set(MATRIX)


@pytest.fixture
async def world(database):
    """A support thread by its author, with a reply by someone else, and one user per role."""
    author = await make_user("author")
    users = {
        "member": await make_user("someone"),
        "moderator": await make_user("moder", role="moderator"),
        "manager": await make_user("chief", role="manager"),
    }
    category = await make_category(kind="support")
    thread = await make_thread(author, category=category, title="Where is the manual")
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
    if path.endswith(("/vote", "/unvote", "/idea-status")) and path.startswith("/t/"):
        thread = world["idea"]
    return (
        path.replace("{thread_id:int}", str(thread.id))
        .replace("{slug}", slug)
        .replace("{tag_id:int}", str(world["tag"].id))
        .replace(f"/badges/{thread.slug}", "/badges/first-post")
        .replace("{post_id:int}", str(world["reply"].id))
        .replace("{username}", "author")
        .replace("{category_id:int}", str(world["category"].id))
        .replace("{path:path}", "forum.css")
        .replace("{token}", "not-the-token")
        .replace("{code}", "tr")
        .replace("{word_id:int}", "1")
        .replace("{user_id:int}", str(world["waiting"].id))
        .replace("{poll_id:int}", str(world["poll"].id))
        .replace("{option_id}", str(world["poll_option"].id))
        .replace(
            "{action}",
            {"/mod/threads": "lock", "/mod/signups": "approve"}.get(path[:12], "hide"),
        )
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", sorted(MATRIX))
async def test_each_route_answers_each_role_as_the_matrix_says(client, world, path, role):
    method, allowed, form = MATRIX[path]
    if role != "guest":
        await login(client, world["users"][role])
    url = _url(path, world)
    form = {key: _url(value, world) for key, value in (form or {}).items()}
    response = await (client.get(url) if method == "GET" else submit(client, url, form))
    if role in allowed:
        assert response.status_code in (200, 301, 303), (url, role, response.status_code)
    elif (
        role == "guest"
        and method == "GET"
        and not path.endswith(("{token}", "/blog/{slug}", "{name}"))
    ):
        # Guests are asked to sign in first.
        assert response.status_code == 303, (url, response.status_code)
        assert response.headers["location"].startswith("/login?next=")
    else:
        assert response.status_code in (403, 404), (url, role, response.status_code)


@pytest.mark.parametrize(
    "action", ["/p/{post_id:int}/edit", "/p/{post_id:int}/delete", "/p/{post_id:int}/solve"]
)
async def test_the_author_may_act_on_their_own_post(client, world, action):
    author = await make_user("author2")
    thread = await make_thread(author, category=world["category"])
    reply = await make_reply(thread, author, "My own reply")
    await login(client, author)
    url = action.replace("{post_id:int}", str(reply.id))
    response = await (client.get(url) if action.endswith("edit") else submit(client, url))
    assert response.status_code in (200, 303)


async def test_unsafe_requests_without_a_token_are_refused_on_every_route(client, world):
    await login(client, world["users"]["manager"])
    for path, (method, _, _) in MATRIX.items():
        if method == "POST":
            response = await client.post(_url(path, world), data={})
            assert response.status_code == 403, path
    assert not await Post.filter(deleted_at__isnull=False).exists()
    assert (await service.get_thread(world["thread"].id)).locked is False
