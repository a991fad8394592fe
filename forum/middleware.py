"""Middleware: security headers, and the session that identifies the visitor and guards CSRF."""

from __future__ import annotations

import contextlib
import hmac
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

from itsdangerous import BadSignature, Signer
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from tortoise.transactions import in_transaction

from forum import db, pagecache, permissions, web
from forum.settings import settings

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Forms larger than this are refused before they are read into memory. Room for a guest
# post's 2 MB cover with its text, and for a larger image to be refused beside its field.
MAX_FORM_BYTES = 4_000_000
SESSION_DAYS = 30
# Write a session's last-seen time at most this often.
TOUCH_EVERY = timedelta(minutes=5)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


# Mail clients unsubscribe with a POST that carries no session (RFC 8058): the signed token
# in the address is the authority there.
CSRF_EXEMPT = ("/unsubscribe/",)


def _signer() -> Signer:
    return Signer(settings.secret_key, salt="forum-session")


class SessionMiddleware:
    """Reads the signed cookie, loads the member behind it, and refuses unsafe requests
    without this session's CSRF token: no handler can forget the check."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            # Static files need no session: no database read for a stylesheet.
            await self.app(scope, receive, send)
            return
        key = self._cookie_key(scope)
        scope[web.SESSION_KEY] = key
        scope["user"] = await self._load_user(scope, key) if key else permissions.Guest()
        await web.localise(scope)
        # An address holding a NUL byte leads nowhere; PostgreSQL cannot even compare such text.
        if b"%00" in scope["query_string"] or "\x00" in scope["path"]:
            await _error(scope, receive, send, 404)
            return

        unsafe = scope["method"] in UNSAFE_METHODS
        if unsafe and not scope["path"].startswith(CSRF_EXEMPT):
            body = await self._read_body(scope, receive)
            if body is None:
                await _error(scope, receive, send, 413)
                return
            if not key or not hmac.compare_digest(
                await _submitted_token(scope, body), web.csrf_token_for_key(key)
            ):
                await _error(scope, receive, send, 403, csrf=True)
                return
            receive = _replay(body)

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                if unsafe and pagecache.bump_owed():
                    # The write has committed: guests' cached pages are out of date. Before the
                    # answer leaves, so the page it leads to is never an old copy. (Not again
                    # when the write moved the version itself: pagecache.writing.)
                    await pagecache.bump()
                headers = MutableHeaders(scope=message)
                # Pages differ by the reader's session and language.
                headers.add_vary_header("Cookie")
                headers.add_vary_header("Accept-Language")
                if _cookie_pending(scope):
                    headers.append("set-cookie", _cookie_header(scope))
            await send(message)

        try:
            with pagecache.counting_writes() if unsafe else contextlib.nullcontext():
                await self.app(scope, receive, send_with_cookie)
        except Exception:
            if unsafe:  # a failed request may still have written something
                await pagecache.bump()
            raise

    @staticmethod
    def _cookie_key(scope: Scope) -> str | None:
        value = HTTPConnection(scope).cookies.get(web.COOKIE_NAME)
        if not value:
            return None
        try:
            return _signer().unsign(value).decode()
        except BadSignature:
            return None

    @staticmethod
    async def _load_user(scope: Scope, key: str) -> object:
        from forum.accounts.models import Session
        from forum.accounts.service import seen, session_id

        found = session_id(key)
        # Read once per content version: signing out, a suspension or a new password are
        # writes, so the next request reads the session again.
        session = await pagecache.shared(
            scope, ("session", found),
            lambda: db.first_by(
                "session", lambda key: Session.filter(id=key).select_related("user"), found
            ),
        )  # fmt: skip
        now = datetime.now(UTC)
        if session is None or session.last_seen_at < now - timedelta(days=SESSION_DAYS):
            return permissions.Guest()
        if not session.user.is_active:
            return permissions.Guest()
        if now - session.last_seen_at > TOUCH_EVERY:
            # The same write also starts a new visit after an hour away (previous_seen_at).
            # Both rows in one transaction: one turn at SQLite's write lock, not two.
            visit = seen(session.user, now)
            async with in_transaction():
                await Session.filter(id=session.id).update(last_seen_at=now)
                await type(session.user).filter(id=session.user.id).update(**visit)
            # The shared copy moves on too, so the next request does not touch again.
            session.last_seen_at = now
            for name, value in visit.items():
                setattr(session.user, name, value)
        return session.user

    @staticmethod
    async def _read_body(scope: Scope, receive: Receive) -> bytes | None:
        chunks, size = [], 0
        while True:
            message = await receive()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_FORM_BYTES:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def _cookie_pending(scope: Scope) -> bool:
    return scope.get(web.SET_COOKIE) is not None


def _cookie_header(scope: Scope) -> str:
    value = scope[web.SET_COOKIE]
    flags = "Path=/; HttpOnly; SameSite=Lax"
    if web.secure_cookies(scope):
        flags += "; Secure"
    if not value:
        return f"{web.COOKIE_NAME}=; Max-Age=0; {flags}"
    signed = _signer().sign(value).decode()
    return f"{web.COOKIE_NAME}={signed}; Max-Age={SESSION_DAYS * 86400}; {flags}"


async def _submitted_token(scope: Scope, body: bytes) -> str:
    headers = dict(scope["headers"])
    if token := headers.get(b"x-csrf-token"):
        return token.decode("latin-1")
    content_type = headers.get(b"content-type", b"").decode("latin-1")
    if content_type.startswith("application/x-www-form-urlencoded"):
        values = parse_qs(body.decode("utf-8", "replace")).get("csrf_token", [""])
        return values[0]
    if content_type.startswith("multipart/form-data"):
        async with Request(scope, _replay(body)).form() as form:  # closes uploaded files
            token = form.get("csrf_token", "")
        return token if isinstance(token, str) else ""
    return ""


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _error(
    scope: Scope, receive: Receive, send: Send, status: int, csrf: bool = False
) -> None:
    from forum.errors import error_page

    response = await error_page(Request(scope, receive), status, csrf=csrf)
    await response(scope, receive, send)
