"""The few request helpers every feature uses: render, sessions and CSRF, forms, paging, static."""

from __future__ import annotations

import hashlib
import hmac
import mimetypes
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import unquote

from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from markupsafe import Markup
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection, Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from forum import forms, i18n, permissions
from forum.settings import ROOT, settings
from forum.site import models as site

STATIC_DIR = ROOT / "static"
TEMPLATE_DIR = ROOT / "templates"

# Scope keys the session middleware and these helpers share.
SESSION_KEY = "forum.session_key"
SET_COOKIE = "forum.set_cookie"
COOKIE_NAME = "forum_session"
CSRF_TOKEN = "forum.csrf_token"


# --- Sessions and CSRF


def session_key(request: Request) -> str:
    """The key in the visitor's cookie, creating one for a guest who is about to submit a form."""
    key = request.scope.get(SESSION_KEY)
    if not key:
        key = secrets.token_urlsafe(32)
        request.scope[SESSION_KEY] = key
        request.scope[SET_COOKIE] = key
    return key


def csrf_token_for_key(key: str) -> str:
    return hmac.new(settings.secret_key.encode(), b"csrf:" + key.encode(), "sha256").hexdigest()


def csrf_token(request: Request) -> str:
    """This session's CSRF token; every unsafe form carries it as `csrf_token`."""
    key = session_key(request)
    # A thread page has a form per post: one HMAC per request, not one per form.
    token = request.scope.get(CSRF_TOKEN)
    if token is None or token[0] != key:
        token = request.scope[CSRF_TOKEN] = (key, csrf_token_for_key(key))
    return token[1]


async def sign_in(request: Request, user: Any) -> None:
    """Start a new session for the user: a fresh key, so a fixated one is never reused."""
    from forum.accounts import service as accounts

    if old := request.scope.get(SESSION_KEY):
        await accounts.end_session(old)
    key = await accounts.start_session(user, request.headers.get("user-agent", ""))
    request.scope[SESSION_KEY] = key
    request.scope[SET_COOKIE] = key
    request.scope["user"] = user


async def sign_out(request: Request) -> None:
    from forum.accounts import service as accounts

    if key := request.scope.get(SESSION_KEY):
        await accounts.end_session(key)
    request.scope[SESSION_KEY] = None
    request.scope[SET_COOKIE] = ""
    request.scope["user"] = permissions.Guest()


def secure_cookies(scope: dict) -> bool:
    """Mark cookies Secure when the site's address is https, or this request came over https.
    Behind a proxy the scheme is the proxy's word only where uvicorn trusts it (`run.py serve
    --proxy-headers`, which believes X-Forwarded-Proto from FORWARDED_ALLOW_IPS alone); a
    client's own X-Forwarded-Proto header is never read here."""
    return settings.secure_cookies or scope.get("scheme") == "https"


def client_id(request: Request) -> str:
    """A keyed hash of the visitor's address: enough to rate-limit, never the address itself."""
    address = request.client.host if request.client else "unknown"
    digest = hmac.new(settings.secret_key.encode(), b"ip:" + address.encode(), "sha256")
    return digest.hexdigest()[:32]


# --- Static files with content-hashed names


def _hashes() -> dict[str, str]:
    found = {}
    for path in STATIC_DIR.rglob("*"):
        if path.is_file():
            name = path.relative_to(STATIC_DIR).as_posix()
            found[name] = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
    return found


_static_hashes: dict[str, str] = _hashes()


def static_url(name: str) -> str:
    """/static/forum.css -> /static/forum.<content hash>.css, cacheable for a year."""
    digest = _static_hashes.get(name)
    if digest is None:
        return f"/static/{name}"
    stem, dot, suffix = name.rpartition(".")
    return f"/static/{stem}.{digest}.{suffix}" if dot else f"/static/{name}.{digest}"


async def serve_static(request: Request) -> Response:
    requested = request.path_params["path"]
    parts = requested.rsplit(".", 2)
    name, digest = requested, None
    if len(parts) == 3:
        name, digest = f"{parts[0]}.{parts[2]}", parts[1]
    path = (STATIC_DIR / name).resolve()
    if STATIC_DIR.resolve() not in path.parents or not path.is_file():
        raise not_found()
    immutable = digest is not None and _static_hashes.get(name) == digest
    cache = "public, max-age=31536000, immutable" if immutable else "public, max-age=300"
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": cache})


# --- Templates


# Younger than this, a moment reads "3 hours ago"; older, it reads as a date.
RELATIVE_FOR = timedelta(days=7)


def _format_datetime(value: datetime | None) -> str:
    return i18n.format_datetime(value) if value else ""


def _time_tag(value: datetime | None) -> Markup:
    """<time> in the reader's language and zone: relative while recent, the full date on hover."""
    if value is None:
        return Markup("")
    absolute = i18n.format_datetime(value)
    now = datetime.now(UTC)
    shown = i18n.format_relative(value, now) if now - value < RELATIVE_FOR else absolute
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        value.isoformat(timespec="seconds"), absolute, shown
    )


@pass_context
def _csrf_field(context: Any) -> Markup:
    token = csrf_token(context["request"])
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(token)


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        # HTML (and feeds' XML) escaped; plain-text e-mail parts (.txt) are not HTML.
        autoescape=select_autoescape(disabled_extensions=("txt",), default=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        # In production templates change only with a deploy: no file checks on every render.
        auto_reload=settings.env != "production",
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        can=permissions,
        static=static_url,
        csrf_field=_csrf_field,
        page_window=page_window,
        current_language=i18n.current_language,
        languages=i18n.LANGUAGES,
    )
    env.filters.update(
        datetime=_format_datetime,
        time=_time_tag,
        number=i18n.format_number,
        duration=lambda value: i18n.format_duration(value) if value is not None else "—",
        tuple_pair=lambda value: (value, value),
        labelled=lambda value, labels: (value, labels[value]),
    )
    return env


# Features add to what every page knows (the moderators' queue count, say) without this
# module or the page's own feature importing them: each provider sees the request and the
# page's context, and returns extra context.
ContextProvider = Callable[[Request, dict[str, Any]], Awaitable[dict[str, Any]]]
context_providers: list[ContextProvider] = []


async def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """Render a page with what every page needs: the user and the community's settings."""
    page_context = {"user": request.user, "site": await site.get_all(), **(context or {})}
    for provider in context_providers:
        page_context.update(await provider(request, page_context))
    return templates.TemplateResponse(request, name, page_context, status_code=status_code)


def redirect(url: str) -> RedirectResponse:
    """The answer to a successful POST: see the result at its own address."""
    return RedirectResponse(url, status_code=303)


# --- Language and time zone

LANGUAGE_COOKIE = "forum_lang"


async def localise(scope: dict) -> None:
    """Choose the reader's language and time zone for this request (see i18n.choose_language)."""
    user = scope["user"]
    community = await site.get_all()
    connection = HTTPConnection(scope)
    code = i18n.choose_language(
        getattr(user, "language", ""),
        connection.cookies.get(LANGUAGE_COOKIE, ""),
        connection.headers.get("accept-language", ""),
        community["language"],
    )
    i18n.activate(code, getattr(user, "timezone", "") or community["timezone"])


# --- Forms and parameters


async def form_data(request: Request) -> FormData:
    return await request.form()


def field(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def page_number(request: Request, last_page: int) -> int:
    """?page=N as a number within 1..last_page; anything else is the 404 page."""
    raw = request.query_params.get("page", "1")
    if raw == "last":
        return last_page
    number = id_param(raw)
    if number is None or number > last_page:
        raise HTTPException(status_code=404)
    return number


def id_param(raw: str | None, largest: int = 2**31 - 1) -> int | None:
    """A positive number from a query string ("12"), or None for anything else: other digits
    ("²", "١٢"), signs, or more than an integer column holds (`largest`; the database would
    refuse to compare it)."""
    return forms.integer(raw, 1, largest) if raw and raw == raw.strip() else None


def page_window(page: int, last: int, around: int = 2) -> list[int | None]:
    """Page numbers to link: the first, the last and a few around `page`; None marks a gap."""
    shown = sorted({1, last, *range(max(1, page - around), min(last, page + around) + 1)})
    window: list[int | None] = []
    for number in shown:
        if window and number - (window[-1] or 0) > 1:
            window.append(None)
        window.append(number)
    return window


def safe_next(url: str | None, default: str = "/") -> str:
    """Follow ?next= only to a path on this site, never to another host: not `//host`, not
    `/\\host` (browsers read it as `//host`), nor either behind percent-encoding or behind
    tabs and newlines (browsers drop them)."""
    if not url or not url.startswith("/"):
        return default
    seen = url
    for _ in range(4):  # double or triple encoding too
        path = seen.split("?", 1)[0].split("#", 1)[0]
        if path.startswith("//") or "\\" in path or any(ord(c) < 32 or ord(c) == 127 for c in seen):
            return default
        seen = unquote(seen)
    return url


def not_found() -> HTTPException:
    return HTTPException(status_code=404)


# --- Conditional requests


def not_modified(request: Request, etag: str, last_modified: datetime | None = None) -> bool:
    """Whether the reader's copy is current (answer 304). RFC 9110: If-None-Match decides when
    it is sent, compared weakly; If-Modified-Since only without it."""
    if (tags := request.headers.get("if-none-match")) is not None:
        # The weak comparison: W/"x" and "x" name the same version.
        ours = etag.removeprefix("W/")
        return any(tag.strip().removeprefix("W/") in ("*", ours) for tag in tags.split(","))
    if last_modified is not None and (since := request.headers.get("if-modified-since")):
        try:
            moment = parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return last_modified <= moment
    return False


# Built last: the environment refers to helpers defined above.
templates = Jinja2Templates(env=_environment())
