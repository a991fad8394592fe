"""Hostile strings in search syntax and in every list page's sort, filter, paging and cursor
parameters: each answer is a page (200), a form error (400) or not found (404), never a server
error; no typed text ever becomes part of an SQL statement (every statement the database is
sent is recorded, and none carries the text); and a sentinel row is still there afterwards.
E-mail headers cannot be injected through names, titles or the community's name."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forum import db, pagecache
from forum.accounts.models import User
from forum.site import models as site
from forum.threads import service as threads
from tests.conftest import login, make_category, make_reply, make_thread, make_user, submit

SENTINEL = "security_sentinel"
# For numbers, ids and keyset cursors (?page=, ?before=, ?after=): other digits, signs, sizes
# beyond any column, and cursors whose halves are each of those.
NUMBERS = [
    "'", "1 OR 1=1", f"1; DELETE FROM {SENTINEL}", "\x00", "-1", "0", "²", "１２", "1.5",
    "1e309", "9" * 40, "9223372036854775808", "2147483648", "99999999999999999999-1",
    "1-99999999999999999999", "-1--1", "1700000000000000-2147483648", "9" * 5000,
]  # fmt: skip
# For text that reaches a query (slugs, usernames, dates, search words).
TEXTS = [
    "'", '"', "\\", "--", "%", "' OR '1'='1", "') OR 1=1 --", f"'; DROP TABLE {SENTINEL}; --",
    f"x' UNION SELECT secret FROM {SENTINEL} --", "\x00", "²", "9999-12-31", "0001-01-01",
    "2026-02-30", '"unclosed', "NEAR(", "body:secret", "İstanbul", "\u202e\ufeffx",
    "x" * 5000, "(" * 500 + '"' * 500,
]  # fmt: skip
# For parameters that choose from a list (sort, status, period, tier) or only say "saved".
CHOICES = ["'", "' OR '1'='1", "\x00", "²", "x" * 5000, f"'; DROP TABLE {SENTINEL}; --"]
N, T, C = NUMBERS, TEXTS, CHOICES
# Search syntax on top of the texts: FTS5 operators, column filters and tsquery syntax.
SEARCH_SYNTAX = [
    '"', '""', 'a"b', "a*", "*a", "a OR b", "a AND NOT b", "NEAR(a b, 2)", "a NEAR/2 b",
    "^title", "title:secret", "body:x OR 1", "{title body}: x", "search_fts:x", "rowid:1",
    "a & b", "a | b", "!a", "a <-> b", "a:*", "'a':B", "a\\", "\\'", '-"a b"', '-"', "--a",
    "-a -b", "word " * 40, "x -x", "%00", "ı İ i I", "ёЁ", "日本語", "1 OR 1=1", "OR", "NOT a",
    "(", ")", "-", "^a", "{title}: x",
] + TEXTS  # fmt: skip


@dataclass
class Forum:
    """What the fuzzed pages show: a thread of several pages, a tag, an ideas category, a
    badge, a guest post with versions, and a member and a manager to ask as."""

    member: User
    manager: User
    thread_url: str
    thread_id: int
    post_id: int
    guest_post_id: int


@contextmanager
def statements() -> Iterator[list[str]]:
    """The text of every SQL statement sent meanwhile, without its parameters."""
    sent: list[str] = []

    class Record(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            sent.append(str(record.args[0]) if record.args else record.getMessage())

    logger = logging.getLogger("tortoise.db_client")
    handler, level = Record(level=logging.DEBUG), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield sent
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@pytest.fixture
async def forum(database, monkeypatch) -> AsyncIterator[Forum]:
    from forum.advocacy import service as advocacy
    from forum.blog import service as blog
    from forum.threads import tags as tagging
    from tests.blog.test_editors import published

    monkeypatch.setattr(threads, "POSTS_PER_PAGE", 3, raising=False)
    await db.execute(f"CREATE TABLE {SENTINEL} (id INTEGER PRIMARY KEY, secret VARCHAR(20))")
    await db.execute(f"INSERT INTO {SENTINEL} (id, secret) VALUES (1, 'intact')")
    member = await make_user("ana")
    manager = await make_user("boss", role="manager")
    await tagging.create_tag({"name": "Kettles", "slug": "kettles", "description": "Boiling"})
    ideas = await make_category(name="Ideas", slug="ideas", kind="ideas")
    await make_thread(member, category=ideas, title="Add a timer to the kettle")
    thread = await make_thread(member, title="The kettle blinks red")
    for number in range(6):
        await make_reply(thread, manager, f"Descale it, step {number}.")
    badge = await advocacy.create_badge("Champion", "The best", "gold")
    await advocacy.grant_badge(str(badge.id), "ana", manager, "For the kettle answers")
    post = await published(manager, member, title="Lighting a reading corner")
    await blog._keep_version(post, "draft")
    await pagecache.bump()
    yield Forum(member, manager, thread.url, thread.id, (await thread.posts.all())[0].id,
                post.id)  # fmt: skip
    await db.execute(f"DROP TABLE {SENTINEL}")


def _routes(forum: Forum) -> dict[str, list[tuple[str, dict[str, list[str]]]]]:
    """Every GET page that reads its query string, by who may see it, with the parameters it
    reads and the values each gets (found with `grep -rn query_params forum/` and
    web.page_number's callers)."""
    return {
        "guest": [
            ("/", {"after": N}),
            ("/latest", {"after": N}),
            ("/c/general", {"after": N, "sort": C, "status": C}),
            ("/c/ideas", {"after": N, "sort": C, "status": C}),
            (forum.thread_url, {"page": N}),
            ("/tag/kettles", {"after": N}),
            ("/top", {"period": C}),
            ("/badges/champion", {"page": N}),
            ("/advocates", {"period": C, "category": T}),
            ("/blog", {"page": N}),
            ("/search", {"q": T, "category": T, "author": T, "tag": T, "from": T, "to": T,
                         "status": C, "page": N}),
            ("/search/similar", {"title": T}),
            ("/login", {"next": C}),
            ("/register", {"next": C}),
        ],
        "member": [
            ("/", {"after": N}),
            ("/for-you", {"after": N}),
            ("/bookmarks", {"after": N}),
            ("/new", {"after": N}),
            ("/unread", {"after": N}),
            ("/notifications", {"before": N}),
            ("/t/new", {"category": N}),
            (f"/t/{forum.thread_id}/reply", {"quote": N}),
            (f"/p/{forum.post_id}/bookmark", {"next": C}),
            ("/welcome", {"next": C}),
            ("/settings/interests", {"next": C, "saved": C}),
        ],
        "manager": [
            ("/mod/queue", {"category": N, "type": C}),
            (f"/mod/threads/{forum.thread_id}", {"page": N}),
            ("/mod/audit", {"actor": T, "action": T, "target": T, "since": T, "until": T,
                            "before": N}),
            ("/admin/advocates", {"period": C, "category": T, "tier": C, "uninvited": C}),
            ("/admin/recognition", {"grant": T, "adjust": T, "done": C}),
            ("/admin/guest-posts", {"invited": C}),
            ("/admin/guest-posts/invite", {"username": T}),
            (f"/admin/guest-posts/{forum.guest_post_id}", {"a": N, "b": N, "done": C}),
        ],
    }  # fmt: skip


async def _answer(client: httpx.AsyncClient, url: str, params: dict[str, str]) -> list[str]:
    """[] when the page answers 200, 400 or 404; else what went wrong (the test client raises
    the server's exceptions rather than answering 500)."""
    try:
        response = await client.get(url, params=params)
    except Exception as error:  # noqa: BLE001 - every failure is reported, with its request
        return [f"{url} {params!r:.120}: {type(error).__name__}: {error}"]
    if response.status_code not in (200, 400, 404):
        return [f"{url} {params!r:.120}: {response.status_code}"]
    return []


async def _assert_untouched(sent: list[str]) -> None:
    """No statement carried typed text, and the sentinel row is as it was."""
    assert sent, "no SQL was recorded: the check would prove nothing"
    leaked = [statement for statement in sent if SENTINEL in statement]
    assert not leaked, leaked[:3]
    assert await db.fetch(f"SELECT id, secret FROM {SENTINEL}") == [{"id": 1, "secret": "intact"}]


async def test_every_list_parameter_answers_hostile_values_without_a_server_error(client, forum):
    signed_in = {"guest": None, "member": forum.member, "manager": forum.manager}
    failed: list[str] = []
    with statements() as sent:
        for role, routes in _routes(forum).items():
            client.cookies.clear()
            if signed_in[role]:
                await login(client, signed_in[role])
            for url, parameters in routes:
                for name, values in parameters.items():
                    for value in values:
                        failed += await _answer(client, url, {name: value})
                # Every parameter hostile at once, as a crafted link would have them.
                for value in TEXTS[::6]:
                    failed += await _answer(client, url, dict.fromkeys(parameters, value))
    assert not failed, f"{len(failed)} server errors:\n" + "\n".join(failed)
    await _assert_untouched(sent)
    assert await User.filter(username__in=["ana", "boss"]).count() == 2


async def test_names_longer_than_any_in_an_address_are_not_found(client, forum):
    failed: list[str] = []
    for path in ("/u/{}", "/c/{}", "/tag/{}", "/badges/{}", "/blog/{}", "/feeds/u/{}.rss",
                 "/feeds/c/{}.atom", "/feeds/tag/{}.rss"):  # fmt: skip
        failed += await _answer(client, path.format("x" * 300), {})
    assert not failed, "\n".join(failed)
    assert (await client.get("/u/" + "x" * 300)).status_code == 404


# Numbers a crafted form may carry: "²" passes str.isdigit() but int() refuses it.
FORM_NUMBERS = ["²", "9" * 40, "-1", "1e3", "0x10"]


async def test_hostile_numbers_in_forms_are_form_errors_not_server_errors(client, forum):
    await login(client, forum.manager)
    forms = {
        "/t/new": {"title": "A kettle that sings", "body": "It whistles in C sharp."},
        "/notifications/read": {},
        "/admin/recognition": {"form": "grant", "username": "ana" * 20, "reason": "For the help"},
        "/settings/notifications": {"digest": "weekly"},
    }
    fields = {"/t/new": "category", "/notifications/read": "notification",
              "/admin/recognition": "badge"}  # fmt: skip
    failed: list[str] = []
    for url, data in forms.items():
        for value in FORM_NUMBERS:
            named = {fields[url]: value} if url in fields else {f"category_{value}": "watching"}
            try:
                response = await submit(client, url, {**data, **named})
            except Exception as error:  # noqa: BLE001 - each failure is reported
                failed.append(f"{url} {value[:12]}: {type(error).__name__}: {error}")
                continue
            if response.status_code >= 500:
                failed.append(f"{url} {value[:12]}: {response.status_code}")
    assert not failed, "\n".join(failed)
    grant = await submit(client, "/admin/recognition", {"form": "grant", "badge": "²",
                         "username": "ana" * 20, "reason": "For the help"})  # fmt: skip
    assert grant.status_code == 400
    assert "Choose one of your badges." in grant.text
    assert "No member has this username." in grant.text


async def test_search_syntax_is_only_ever_words_for_either_database(client, forum):
    """Quotes, FTS5 operators and column filters, tsquery syntax, NUL bytes and endless
    input, as a query alone and beside every filter: answered, and never parsed as syntax."""
    failed: list[str] = []
    with statements() as sent:
        for query in SEARCH_SYNTAX:
            failed += await _answer(client, "/search", {"q": query})
            failed += await _answer(client, "/search", {"q": f"kettle {query}", "page": "2"})
            failed += await _answer(client, "/search/similar", {"title": f"kettle {query}"})
        for query in SEARCH_SYNTAX[::5]:
            failed += await _answer(client, "/search", {
                "q": query, "category": "general", "author": "ana", "tag": "kettles",
                "from": "2000-01-01", "to": "9999-12-31", "status": "solved"})  # fmt: skip
    assert not failed, f"{len(failed)} server errors:\n" + "\n".join(failed)
    await _assert_untouched(sent)
    # Words are found as words; "OR 1=1" is two more words to find, not a condition.
    found = await client.get("/search", params={"q": '"kettle'})
    assert found.status_code == 200 and "blinks red" in found.text
    everything = await client.get("/search", params={"q": "nomatch' OR '1'='1"})
    assert "blinks red" not in everything.text


SEARCH_TEXT = st.lists(
    st.sampled_from(SEARCH_SYNTAX[:40] + ["kettle", "red", " ", '"', "-", "*", "(", ")", ":"])
    | st.text(max_size=20),
    max_size=8,
).map("".join)


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=SEARCH_TEXT, filters=st.booleans())
async def test_generated_search_input_never_fails_the_search(client, forum, query, filters):
    params = {"q": query}
    if filters:
        params.update({"category": "general", "from": "2000-01-01", "to": "2999-12-31"})
    assert not await _answer(client, "/search", params)


# --- E-mail headers


async def test_line_breaks_in_names_and_titles_add_no_header_or_recipient(
    client, database, smtp_server, monkeypatch
):
    """The community's name, a member's display name and a thread's title, each holding
    CR/LF and a Bcc:, reach the From, To and Subject of real messages (a reply notification,
    a password reset) as one line each: the SMTP server receives exactly one recipient per
    message and no header but the ones the forum writes."""
    from forum.accounts import service as accounts
    from forum.notifications import service as notifications
    from forum.notifications.models import Notification

    smuggled = "\r\nBcc: spy@evil.example\r\nX-Injected: yes\r\n"
    manager = await make_user("boss", role="manager")
    await login(client, manager)
    saved = await submit(client, "/admin/settings", {"name": f"Acme{smuggled}"})
    assert saved.status_code == 303
    assert (await site.get_all())["name"] == f"Acme{smuggled}".strip()
    victim = await make_user("victim")
    await accounts.update_profile(victim, display_name=f"Ana{smuggled}"[:50], bio="", website="")
    author = await make_user("mallory", display_name=f"Mal{smuggled}")
    thread = await make_thread(victim, title=f"Kettle{smuggled}help")
    await make_reply(thread, author, "Descale it.")
    await Notification.all().update(email_due_at=notifications.now())
    assert (await notifications.mail_due_notifications()).sent >= 1
    await accounts.request_password_reset("victim@example.com", client="203.0.113.7")
    while await smtp_server.deliver():
        pass
    to_victim = [message for message in smtp_server.messages
                 if message["To"].addresses[0].addr_spec == "victim@example.com"]  # fmt: skip
    assert len(to_victim) >= 2  # the reply's notification and the reset link, at least
    written = {
        "from", "to", "subject", "date", "message-id", "mime-version", "content-type",
        "auto-submitted", "list-unsubscribe", "list-unsubscribe-post",
    }  # fmt: skip
    one_line = "Bcc: spy@evil.example X-Injected: yes"
    for received in smtp_server.received:
        message = received.message
        [to] = message["To"].addresses
        assert received.recipients == [to.addr_spec]
        assert to.addr_spec in ("victim@example.com", "mallory@example.com")
        assert {name.lower() for name in message.keys()} <= written, message.keys()
        for name, value in message.items():
            assert "\r" not in str(value) and "\n" not in str(value), (name, value)
        assert "Bcc" not in message and "X-Injected" not in message
        [sender] = message["From"].addresses
        assert sender.display_name == f"Acme {one_line}"
        if to.addr_spec == "victim@example.com":
            assert to.display_name == " ".join(f"Ana{smuggled}"[:50].split())
    subjects = " ".join(str(message["Subject"]) for message in smtp_server.messages)
    assert "Kettle Bcc: spy@evil.example X-Injected: yes help" in subjects
