"""Pages: the member's New and Unread thread lists, their "dismiss" buttons, and the counts
on the home page's tabs."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum import permissions, web
from forum.i18n import gettext as _
from forum.notifications import unread
from forum.permissions import ensure
from forum.web import redirect, render

# The pages that show the list tabs (threads/_tabs.html) and so the tabs' counts; a page not
# named here can ask for them by setting `tab` in its context.
TAB_PAGES = frozenset({"/", "/latest", "/for-you", "/top", "/new", "/unread"})


async def _tab_counts(request: Request, page: dict[str, Any]) -> dict[str, Any]:
    """How many threads are new and unread for the member, for the tabs: one bounded read."""
    if not permissions.signed_in(request.user) or "list_counts" in page:
        return {}
    if request.url.path not in TAB_PAGES and "tab" not in page:
        return {}
    return {"list_counts": await unread.counts(request.user), "count_up_to": unread.COUNT_UP_TO}


web.context_providers.append(_tab_counts)


async def thread_list(request: Request) -> Response:
    ensure(permissions.signed_in(request.user))
    kind = request.url.path.strip("/")
    listing = await unread.threads(request.user, kind, request.query_params.get("after"))
    titles = {"new": _("New threads"), "unread": _("Unread threads")}
    return await render(
        request, "notifications/threads.html",
        {"kind": kind, "title": titles[kind], "threads": listing.threads,
         "next_cursor": listing.next_cursor},
    )  # fmt: skip


async def dismiss(request: Request) -> Response:
    ensure(permissions.signed_in(request.user))
    kind = request.url.path.split("/")[1]
    await unread.dismiss(request.user, kind)
    return redirect(f"/{kind}")


routes = [
    Route("/new", thread_list),
    Route("/unread", thread_list),
    Route("/new/dismiss", dismiss, methods=["POST"]),
    Route("/unread/dismiss", dismiss, methods=["POST"]),
]
