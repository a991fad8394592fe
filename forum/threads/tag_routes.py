"""Tag pages: every tag with its count (/tags) and a tag's threads (/tag/<slug>); and the tag
chips every thread list shows, named from the tags' in-process cache."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum import web
from forum.pagecache import guest_cached
from forum.threads import tags as tagging
from forum.threads.models import Thread
from forum.web import not_found, render


async def tag_list(request: Request) -> Response:
    return await render(request, "threads/tags.html", {"tags": await tagging.all_tags()})


async def tag_page(request: Request) -> Response:
    tag = await tagging.get(request.path_params["slug"])
    if tag is None:
        raise not_found()
    threads, next_cursor = await tagging.tagged_threads(tag, request.query_params.get("after"))
    return await render(
        request, "threads/tag.html", {"tag": tag, "threads": threads, "next_cursor": next_cursor}
    )


def _carries_tags(value: Any) -> bool:
    """Whether a page shows a thread with tags: itself, in a list, or behind a row's `.thread`."""
    if isinstance(value, list | tuple):
        return any(_carries_tags(item) for item in value[:100])
    thread = value if isinstance(value, Thread) else getattr(value, "thread", None)
    return isinstance(thread, Thread) and bool(thread.tags)


async def _page_context(request: Request, page: dict[str, Any]) -> dict[str, Any]:
    """Chips need tag names: a page showing tagged threads reloads them when they are over a
    minute old (one small query a minute per process, none on other pages)."""
    if tagging.stale() and any(_carries_tags(value) for value in page.values()):
        await tagging.refresh()
    return {}


web.context_providers.append(_page_context)
web.templates.env.globals["tag_chips"] = tagging.chips

routes = [
    Route("/tags", guest_cached(tag_list)),
    Route("/tag/{slug}", guest_cached(tag_page)),
]
