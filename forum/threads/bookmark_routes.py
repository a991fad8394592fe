"""Pages: bookmarking a post (with an optional note), taking it back, and the member's list."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum import markup
from forum import permissions as can
from forum.forms import Invalid
from forum.permissions import ensure
from forum.threads import bookmarks
from forum.threads import routes as threads_routes
from forum.web import field, form_data, redirect, render, safe_next


async def bookmark(request: Request) -> Response:
    """POST from a post's actions (no note) or from the note form; GET shows the note form."""
    post = await threads_routes.post_or_404(request)
    ensure(can.bookmark(request.user, post))
    saved = await bookmarks.get(request.user, post)
    values = {"note": saved.note if saved else "", "next": request.query_params.get("next", "")}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = await form_data(request)
        values = {"note": field(form, "note"), "next": field(form, "next")}
        try:
            await bookmarks.bookmark(request.user, post, values["note"])
            return redirect(safe_next(values["next"], post.url))
        except Invalid as error:
            errors = error.errors
    return await render(
        request, "threads/bookmark.html",
        {"post": post, "saved": saved, "form": values, "errors": errors,
         "excerpt": markup.excerpt(post.html, 300) if bookmarks.available(request.user, post)
         else ""},
        400 if errors else 200,
    )  # fmt: skip


async def unbookmark(request: Request) -> Response:
    """Only ever the member's own bookmark: a post that is gone can still be taken off."""
    ensure(can.signed_in(request.user))
    post_id = request.path_params["post_id"]
    await bookmarks.unbookmark(request.user, post_id)
    form = await form_data(request)
    return redirect(safe_next(field(form, "next"), "/bookmarks"))


async def bookmark_list(request: Request) -> Response:
    ensure(can.signed_in(request.user))
    listing = await bookmarks.page(request.user, request.query_params.get("after"))
    return await render(
        request, "threads/bookmarks.html",
        {"bookmarks": listing.bookmarks, "next_cursor": listing.next_cursor,
         "available": bookmarks.available, "excerpt": markup.excerpt},
    )  # fmt: skip


routes = [
    Route("/bookmarks", bookmark_list),
    Route("/p/{post_id:int}/bookmark", bookmark, methods=["GET", "POST"]),
    Route("/p/{post_id:int}/unbookmark", unbookmark, methods=["POST"]),
]
