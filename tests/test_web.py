"""Headers, static files and error pages every page shares."""

import re
from datetime import UTC, datetime, timedelta

from starlette.routing import Route
from tortoise.exceptions import OperationalError

from forum import db, web
from forum.mail.models import OutboxMessage
from forum.middleware import SECURITY_HEADERS
from forum.notifications.models import Notification
from tests.conftest import count_queries, login
from tests.mail.conftest import make_message


async def test_every_page_carries_strict_security_headers(client, database):
    response = await client.get("/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value


async def test_pages_have_no_inline_script_or_style(client, database):
    html = (await client.get("/register")).text
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert " style=" not in html and "<style" not in html
    assert not re.search(r"\son[a-z]+=", html)


async def test_static_files_have_content_hashed_names_and_long_cache_lifetimes(client, database):
    html = (await client.get("/")).text
    href = re.search(r'href="(/static/forum\.[0-9a-f]{10}\.css)"', html).group(1)
    response = await client.get(href)
    assert response.status_code == 200 and "text/css" in response.headers["content-type"]
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    stale = await client.get("/static/forum.0000000000.css")
    assert stale.status_code == 200 and "immutable" not in stale.headers["cache-control"]


async def test_static_paths_cannot_leave_the_static_folder(client, database):
    for path in ("/static/../forum/settings.py", "/static/%2e%2e/run.py", "/static/nope.css"):
        assert (await client.get(path)).status_code == 404


async def test_an_unexpected_error_shows_the_500_page(app, database):
    import httpx

    async def broken(request):
        raise RuntimeError("boom")

    app.router.routes.append(Route("/broken", broken))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/broken")
    assert response.status_code == 500
    assert "Something went wrong" in response.text and "boom" not in response.text


async def test_a_wrong_method_is_a_real_page(client, database):
    response = await client.put("/", headers={"x-csrf-token": "x"})
    assert response.status_code in (403, 405) and "<header" in response.text


async def test_health_check_answers_when_the_database_does(client, database):
    await client.get("/healthz")  # the site's settings are read once per process
    with count_queries() as queries:
        response = await client.get("/healthz")
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    assert response.json() == {
        "status": "ok", "database": "ok",
        "outbox": {"unsent": 0, "due": 0, "oldest_due_seconds": 0.0},
        "jobs_due": {"notification_emails": 0, "scheduled_posts": 0, "polls_to_close": 0},
    }  # fmt: skip
    assert len(queries) == 1  # monitors poll it: one statement, however big the forum


async def test_health_check_shows_the_mail_and_jobs_waiting_for_the_worker(client, member):
    now = datetime.now(UTC)
    late = await make_message(send_after=now - timedelta(seconds=90))
    await make_message(send_after=now + timedelta(minutes=30))  # retried later: not yet due
    await make_message(sent_at=now)
    await make_message(failed_at=now)
    await Notification.create(
        user=member, kind="reply", created_at=now, email_due_at=now - timedelta(seconds=5)
    )
    await Notification.create(
        user=member, kind="reply", created_at=now, email_due_at=now + timedelta(minutes=9)
    )
    body = (await client.get("/healthz")).json()
    assert body["outbox"]["unsent"] == 2 and body["outbox"]["due"] == 1
    assert 90 <= body["outbox"]["oldest_due_seconds"] < 120
    assert body["jobs_due"]["notification_emails"] == 1
    # The worker catches up: the backlog is gone.
    await OutboxMessage.filter(id=late.id).update(sent_at=now)
    body = (await client.get("/healthz")).json()
    assert body["outbox"] == {"unsent": 1, "due": 0, "oldest_due_seconds": 0.0}


async def test_health_check_fails_when_the_database_does_not_answer(client, database, monkeypatch):
    async def unreachable(*args):
        raise OperationalError("unable to open database file")

    monkeypatch.setattr(db, "fetch", unreachable)
    response = await client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unreachable"}


async def test_next_urls_stay_on_this_site():
    assert web.safe_next("/t/1/x") == "/t/1/x"
    for hostile in ("https://evil.example", "//evil.example", "/\\evil.example", None, ""):
        assert web.safe_next(hostile) == "/"


def test_the_page_list_shows_ends_and_neighbours_with_gaps():
    assert web.page_window(1, 1) == [1]
    assert web.page_window(5, 250) == [1, None, 3, 4, 5, 6, 7, None, 250]
    assert web.page_window(2, 4) == [1, 2, 3, 4]


async def test_pages_vary_by_cookie_and_language_but_static_files_only_by_encoding(
    client, database
):
    page = await client.get("/")
    assert "Cookie" in page.headers["vary"] and "Accept-Language" in page.headers["vary"]
    css = re.search(r'href="(/static/forum\.[0-9a-f]{10}\.css)"', page.text).group(1)
    assert (await client.get(css)).headers["vary"] == "Accept-Encoding"


async def test_pages_and_static_files_are_compressed_for_readers_that_accept_it(client, database):
    page = await client.get("/", headers={"accept-encoding": "gzip"})
    assert page.headers["content-encoding"] == "gzip" and "</html>" in page.text
    css = re.search(r'href="(/static/forum\.[0-9a-f]{10}\.css)"', page.text).group(1)
    plain = await client.get(css, headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.text.strip()
    squeezed = await client.get(css, headers={"accept-encoding": "gzip"})
    assert squeezed.headers["content-encoding"] == "gzip" and squeezed.text == plain.text


async def test_static_files_cost_no_database_query(client, member):
    await login(client, member)
    css = re.search(r'href="(/static/forum\.[0-9a-f]{10}\.css)"', (await client.get("/")).text)
    with count_queries() as statements:
        assert (await client.get(css.group(1))).status_code == 200
    assert statements == []
