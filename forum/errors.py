"""Real error pages: 403, 404, 405, 413 and 500 render the site's layout with a clear message."""

from __future__ import annotations

import logging
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from forum import permissions
from forum.i18n import gettext as _

log = logging.getLogger("forum")


def _messages(status: int, csrf: bool) -> tuple[str, str]:
    if csrf:
        return _("This form has expired"), _(
            "For your safety the form could not be sent. Go back, reload the page and try again; "
            "what you typed is still in the form when you go back."
        )
    return {
        403: (
            _("You cannot do that"),
            _("You do not have permission to see this page or do this."),
        ),
        404: (_("Page not found"), _("There is nothing here. It may have been moved or deleted.")),
        405: (_("Not allowed"), _("This address does not accept that kind of request.")),
        413: (_("Too large"), _("What you sent is too large.")),
    }.get(status, (_("Something went wrong"), _("We could not show this page. Please try again.")))


async def error_page(request: Request, status: int, *, csrf: bool = False) -> Response:
    from forum.web import render

    title, message = _messages(status, csrf)
    request.scope.setdefault("user", permissions.Guest())
    context = {"status": status, "title": title, "message": message}
    try:
        return await render(request, "errors.html", context, status_code=status)
    except Exception:  # the database may be what failed: answer in plain HTML
        log.exception("error page failed")
        return HTMLResponse(f"<!doctype html><title>{status}</title><h1>{status}</h1>", status)


async def http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    user = request.scope.get("user")
    if exc.status_code == 403 and request.method == "GET" and not getattr(user, "id", None):
        # A guest reaching a members' or staff page is asked to sign in first, then sent back.
        from forum.web import redirect

        return redirect(f"/login?next={quote(request.url.path)}")
    response = await error_page(request, exc.status_code)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def lookup_too_long(request: Request, exc: Exception) -> Response:
    """An address naming something longer than its column (a 50-letter slug) names nothing:
    Tortoise refuses to compare such a value rather than find no row. A page answers 404; on
    a write it is a form field left unchecked, a bug, so it stays an error."""
    if request.method not in ("GET", "HEAD"):
        raise exc
    return await error_page(request, 404)


async def server_error(request: Request, exc: Exception) -> Response:
    from forum.middleware import SECURITY_HEADERS

    log.error("unhandled error on %s", request.url.path, exc_info=exc)
    response = await error_page(request, 500)
    # Starlette answers a 500 from outside every middleware: the headers must be set here.
    response.headers.update(SECURITY_HEADERS)
    return response
