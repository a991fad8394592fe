"""Security headers on every kind of answer (pages, error pages, feeds, static files, uploads,
exports), and uploads served so that a browser can only ever treat them as images."""

import secrets
from html.parser import HTMLParser

import httpx
import pytest
from starlette.routing import Route

from forum.blog import service as blog
from forum.blog import uploads
from forum.polls import service as polls
from tests.conftest import csrf_token, login, make_thread, make_user

SAFE_REFERRER_POLICIES = {"no-referrer", "same-origin", "strict-origin",
                          "strict-origin-when-cross-origin"}  # fmt: skip
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)
IMAGES = {
    "png": (PNG, "image/png"),
    "jpg": (b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(32), "image/jpeg"),
    "gif": (b"GIF89a" + bytes(32), "image/gif"),
    "webp": (b"RIFF\x00\x00\x00\x00WEBPVP8 " + bytes(32), "image/webp"),
}


def policy(response: httpx.Response) -> dict[str, set[str]]:
    """The Content-Security-Policy as directive -> sources."""
    directives = {}
    for part in response.headers["content-security-policy"].split(";"):
        name, *sources = part.split()
        directives[name] = set(sources)
    return directives


def assert_secure_headers(response: httpx.Response, what: str) -> None:
    csp = policy(response)
    scripts = csp.get("script-src", csp.get("default-src"))
    assert scripts is not None, what
    assert not scripts & {"'unsafe-inline'", "'unsafe-eval'", "*", "data:"}, (what, scripts)
    assert csp["frame-ancestors"] == {"'none'"}, what
    assert response.headers["x-content-type-options"] == "nosniff", what
    assert response.headers.get("referrer-policy") in SAFE_REFERRER_POLICIES, what


class ScriptFinder(HTMLParser):
    """Every <script> without src or with text inside, and every on* attribute."""

    def __init__(self) -> None:
        super().__init__()
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        self.inline += [f"{tag} {name}" for name in names if name.startswith("on")]
        if tag == "script":
            self._in_script = True
            if not names.get("src"):
                self.inline.append("script without src")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline.append(f"script text {data[:40]!r}")


async def _published_with_cover(member, manager) -> object:
    post = await blog.invite(manager, member, topic="Brass lamps", brief="A brief for the post",
                             message="", due="2030-01-31")  # fmt: skip
    await blog.move(post, member, "accept")
    cover = f"{secrets.token_hex(16)}.png"
    uploads.cover_dir().mkdir(parents=True, exist_ok=True)
    (uploads.cover_dir() / cover).write_bytes(PNG)
    await blog.save_draft(post, member, title="Brass lamps explained", cover=cover,
                          summary="What readers will learn.", body="Brass " * 60)  # fmt: skip
    await blog.move(post, member, "submit")
    for action in ("review", "approve", "publish"):
        await blog.move(post, manager, action)
    return post


async def test_every_kind_of_answer_carries_the_security_headers(client, member, manager):
    thread = await make_thread(member, title="Descaling the kettle")
    post = await _published_with_cover(member, manager)
    poll = await polls.create_poll(thread, member, question="Did it work?", options="Yes\nNo")
    answers = {}
    for url in ("/", "/", thread.url, "/login", "/register", "/search?q=kettle", "/blog",
                f"/blog/{post.slug}", "/feeds/latest.rss", "/feeds/latest.atom",
                "/feeds/blog.rss", f"/feeds/t/{thread.id}.atom", "/static/forum.css",
                "/static/forum.js", "/static/favicon.svg", blog.cover_url(post),
                "/badges/first-post.png", "/nowhere", f"/t/{thread.id + 99}", "/admin",
                "/healthz"):  # fmt: skip
        answers[f"guest {url}"] = await client.get(url)
    answers["403 (no CSRF token)"] = await client.post("/logout", data={})
    answers["405"] = await client.delete("/", headers={"x-csrf-token": csrf_token(client)})
    await login(client, member)
    answers["403 page"] = await client.get("/admin")
    answers["member page"] = await client.get("/settings/account")
    await login(client, manager)
    answers["manager page"] = await client.get("/admin")
    answers["CSV export"] = await client.get("/admin/dashboard.csv")
    answers["poll CSV"] = await client.get(f"/polls/{poll.id}/results.csv")
    statuses = {what: response.status_code for what, response in answers.items()}
    assert statuses["guest /nowhere"] == 404 and statuses["403 page"] == 403
    assert statuses["403 (no CSRF token)"] == 403 and statuses["405"] == 405
    assert statuses[f"guest {blog.cover_url(post)}"] == 200
    for what, response in answers.items():
        assert_secure_headers(response, what)


async def test_the_500_page_carries_the_security_headers_too(app, database):
    """Starlette answers a 500 from outside every middleware."""

    async def broken(request):
        raise RuntimeError("boom")

    app.router.routes.append(Route("/broken", broken))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/broken")
    assert response.status_code == 500 and "Something went wrong" in response.text
    assert_secure_headers(response, "500")


async def test_no_page_carries_inline_script_or_event_handlers(client, member, manager):
    thread = await make_thread(member, title="Descaling the kettle")
    post = await _published_with_cover(member, manager)
    pages = ["/", thread.url, "/login", "/register", "/search?q=kettle", "/blog",
             f"/blog/{post.slug}", "/advocates", "/badges", "/nowhere"]  # fmt: skip
    for role, user in (("guest", None), ("member", member), ("manager", manager)):
        if user:
            await login(client, user)
            pages += ["/t/new", "/settings/account", "/notifications"]
        if role == "manager":
            pages += ["/admin", "/mod", f"/admin/guest-posts/{post.id}", "/admin/settings"]
        for url in pages:
            finder = ScriptFinder()
            finder.feed((await client.get(url)).text)
            assert finder.inline == [], (role, url)


# --- Uploads


@pytest.mark.parametrize("kind", sorted(IMAGES))
async def test_uploaded_images_are_served_as_the_image_they_are_and_nothing_else(
    client, database, kind
):
    content, media_type = IMAGES[kind]
    name = f"{secrets.token_hex(16)}.{kind}"
    uploads.cover_dir().mkdir(parents=True, exist_ok=True)
    (uploads.cover_dir() / name).write_bytes(content)
    response = await client.get(f"/uploads/covers/{name}")
    assert response.status_code == 200 and response.content == content
    assert response.headers["content-type"] == media_type
    assert response.headers["content-disposition"] == "inline"
    # Opened on its own, it runs nothing and loads nothing, and cannot be framed.
    csp = policy(response)
    assert "sandbox" in csp and csp["default-src"] == {"'none'"}
    assert_secure_headers(response, kind)


async def test_markup_disguised_as_an_image_is_never_served_as_a_document(client, database):
    """A file that starts like a PNG but holds HTML after it is served as image/png, which
    nosniff and the sandbox keep from ever becoming a page."""
    name = f"{secrets.token_hex(16)}.png"
    uploads.cover_dir().mkdir(parents=True, exist_ok=True)
    (uploads.cover_dir() / name).write_bytes(PNG[:8] + b"<html><script>alert(1)</script>")
    response = await client.get(f"/uploads/covers/{name}")
    assert response.headers["content-type"] == "image/png"
    assert "sandbox" in policy(response)
    for kind in ("svg", "html", "htm", "xml", "xhtml"):  # not even a file that is there
        other = f"{secrets.token_hex(16)}.{kind}"
        (uploads.cover_dir() / other).write_bytes(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
        answer = await client.get(f"/uploads/covers/{other}")
        assert answer.status_code == 404 and "image/svg" not in answer.headers["content-type"]


@pytest.mark.parametrize(
    ("filename", "content", "declared"),
    [("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
      "image/svg+xml"),
     ("cover.png", b"<!doctype html><script>alert(1)</script>", "image/png"),
     ("cover.gif", b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'/>",
      "image/gif")],
)  # fmt: skip
async def test_svg_and_html_uploads_are_refused_whatever_their_name_or_declared_type(
    client, database, filename, content, declared
):
    manager, author = await make_user("chief", role="manager"), await make_user("writer")
    post = await blog.invite(manager, author, topic="Brass lamps", brief="A brief for the post",
                             message="", due="2030-01-31")  # fmt: skip
    await blog.move(post, author, "accept")
    await login(client, author)
    data = {"title": "Brass lamps explained", "summary": "What readers will learn.",
            "body": "Brass " * 60, "do": "save", "csrf_token": csrf_token(client)}  # fmt: skip
    response = await client.post(
        f"/guest-posts/{post.id}/edit", data=data, files={"cover": (filename, content, declared)}
    )
    assert response.status_code == 400
    assert "Choose a PNG, JPEG, WebP or GIF image." in response.text
    folder = uploads.cover_dir()
    assert not folder.exists() or not any(folder.iterdir())


async def test_exports_are_downloads_not_pages(client, member, manager):
    thread = await make_thread(member, title="Descaling the kettle")
    poll = await polls.create_poll(thread, member, question="Did it work?", options="Yes\nNo")
    await login(client, manager)
    for url in ("/admin/dashboard.csv", f"/polls/{poll.id}/results.csv"):
        response = await client.get(url)
        assert response.headers["content-type"].startswith("text/csv")
        assert response.headers["content-disposition"].startswith("attachment; filename=")
