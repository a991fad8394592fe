"""RSS 2.0 (.rss) and Atom 1.0 (.atom) feeds of the latest threads, a category, a tag, a thread
and a member's posts.

A feed is the guest's view whoever asks (a reader may send a member's cookie), and it speaks the
community's default language: one URL gives every subscriber the same document, so its ETag
holds and caches can share it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from forum import i18n
from forum.accounts import service as accounts
from forum.feeds import documents, service
from forum.feeds.service import Feed
from forum.pagecache import guest_cached
from forum.site import models as site
from forum.threads import service as threads
from forum.threads import tags as tagging
from forum.web import not_found, not_modified

# Readers poll; let them (and shared caches) keep a copy a few minutes, then ask with the
# validators: an unchanged feed costs its usual one or two queries and no rendering.
CACHE_CONTROL = "public, max-age=300"


async def latest(request: Request) -> Response:
    return await answer(request, service.latest_feed())


async def category(request: Request) -> Response:
    found = await service.category_by_slug(request.path_params["slug"])
    if found is None:
        raise not_found()
    return await answer(request, service.category_feed(found))


async def tag(request: Request) -> Response:
    found = await tagging.get(request.path_params["slug"])
    if found is None:
        raise not_found()
    return await answer(request, service.tag_feed(found))


async def thread(request: Request) -> Response:
    found = await threads.get_thread(request.path_params["thread_id"])
    if found is None or found.held:
        raise not_found()
    return await answer(request, service.thread_feed(found))


async def member(request: Request) -> Response:
    found = await accounts.get_by_username(request.path_params["username"])
    if found is None:
        raise not_found()
    if found.username != request.path_params["username"]:
        # One address per feed, as the profile page has one.
        return RedirectResponse(f"/feeds{found.url}.{_kind(request)}", status_code=301)
    return await answer(request, service.member_feed(found))


def _kind(request: Request) -> str:
    return "atom" if request.url.path.endswith(".atom") else "rss"


async def answer(request: Request, building: Awaitable[Feed]) -> Response:
    """The feed as the requested document, or 304 when the reader's copy is still current."""
    community = await site.get_all()
    with i18n.language(community["language"], community["timezone"]):
        feed = await building
    kind = _kind(request)
    # Weak: the validator is computed from the data shown, not from the document's bytes.
    etag = f'W/"{feed.fingerprint(kind)}"'
    last_modified = feed.updated.astimezone(UTC).replace(microsecond=0)
    headers = {
        "ETag": etag,
        "Last-Modified": documents.rfc822(last_modified),
        "Cache-Control": CACHE_CONTROL,
    }
    if not_modified(request, etag, last_modified):
        return Response(status_code=304, headers=headers)
    return Response(
        documents.write(feed, kind), headers=headers, media_type=documents.MEDIA_TYPES[kind]
    )


def _both(path: str, endpoint: Callable[[Request], Awaitable[Response]]) -> list[Route]:
    return [Route(f"{path}.{kind}", guest_cached(endpoint)) for kind in documents.MEDIA_TYPES]


routes = [
    *_both("/feeds/latest", latest),
    *_both("/feeds/c/{slug}", category),
    *_both("/feeds/tag/{slug}", tag),
    *_both("/feeds/t/{thread_id:int}", thread),
    *_both("/feeds/u/{username}", member),
]
