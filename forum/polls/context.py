"""What polls add to other features' pages: the poll under a thread's opening post, and the
follow-up box in staff's reply forms."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from forum import permissions, web
from forum.polls import service


async def _poll(request: Request, page: dict[str, Any]) -> dict[str, Any]:
    thread = page.get("thread")
    # Only the thread's own pages (/t/...), and not a polls page that brought its own.
    if thread is None or "poll_view" in page or not request.url.path.startswith("/t/"):
        return {}
    # A thread without a poll costs no query: its row says so.
    if page.get("page") == 1 and "posts" in page:
        view = await service.thread_poll(thread, request.user) if thread.has_poll else None
        return {"poll_view": view, "follow_up_poll": view.poll if view else None}
    if "form" in page and thread.has_poll and permissions.is_staff(request.user):
        # A reply form on a later page, or the reply page: only staff may mark a follow-up.
        return {"follow_up_poll": await service.poll_of_thread(thread.id)}
    return {}


web.context_providers.append(_poll)
