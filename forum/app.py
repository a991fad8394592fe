"""create_app: middleware, routes and lifespan; nothing else."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tortoise import Tortoise
from tortoise.context import get_current_context
from tortoise.exceptions import ValidationError

from forum import db, errors, pagecache, web, worker
from forum.accounts import routes as accounts_routes
from forum.advocacy import admin as advocacy_admin
from forum.advocacy import context as advocacy_context
from forum.advocacy import listeners as advocacy_listeners
from forum.advocacy import routes as advocacy_routes
from forum.blog import admin as blog_admin
from forum.blog import listeners as blog_listeners
from forum.blog import public as blog_public
from forum.blog import routes as blog_routes
from forum.dashboard import routes as dashboard_routes
from forum.feeds import routes as feeds_routes
from forum.ideas import context as ideas_context
from forum.ideas import listeners as ideas_listeners
from forum.ideas import routes as ideas_routes
from forum.interests import routes as interests_routes
from forum.middleware import SecurityHeadersMiddleware, SessionMiddleware
from forum.moderation import listeners as moderation_listeners
from forum.moderation import routes as moderation_routes
from forum.notifications import listeners as notification_listeners
from forum.notifications import lists as unread_lists
from forum.notifications import routes as notification_routes
from forum.polls import context as polls_context
from forum.polls import listeners as polls_listeners
from forum.polls import routes as polls_routes
from forum.privacy import routes as privacy_routes
from forum.search import listeners as search_listeners
from forum.search import routes as search_routes
from forum.settings import settings
from forum.site import routes as site_routes
from forum.threads import admin as threads_admin
from forum.threads import bookmark_routes, tag_routes
from forum.threads import routes as threads_routes
from forum.threads import service as threads

# How often batched view counts are written.
VIEW_FLUSH_SECONDS = 10.0


log = logging.getLogger("forum.app")


async def healthz(request: Request) -> Response:
    """For monitors: 200 while the database answers, with the background work waiting (the
    outbox, and the jobs due but not done); 503 when the database does not answer."""
    try:
        waiting = await worker.backlog()
    except Exception:
        log.exception("/healthz: the database did not answer")
        return JSONResponse(
            {"status": "error", "database": "unreachable"}, 503, headers=_NOT_CACHED
        )
    return JSONResponse({"status": "ok", "database": "ok", **waiting}, headers=_NOT_CACHED)


_NOT_CACHED = {"Cache-Control": "no-store"}


async def _flush_views_forever() -> None:
    while True:
        await asyncio.sleep(VIEW_FLUSH_SECONDS)
        await threads.flush_views()


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    # Tests open their own database context before they call the app; a server opens one here.
    owns_database = get_current_context() is None
    if owns_database:
        await Tortoise.init(config=db.tortoise_config(), _enable_global_fallback=True)
    flusher = asyncio.create_task(_flush_views_forever())
    # On the embedded default the server also sends the outbox; on PostgreSQL `run.py worker`
    # does. Several server processes may each drain: a message is claimed by one of them.
    drainer = None
    if owns_database and settings.is_sqlite:
        drainer = asyncio.create_task(worker.run_forever())
    try:
        yield
    finally:
        flusher.cancel()
        if drainer:
            drainer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await drainer
        await threads.flush_views()
        if owns_database:
            await Tortoise.close_connections()


# Features subscribe to events, and add to other features' pages, when imported; name them so
# the import is plainly deliberate.
LISTENERS = (
    moderation_listeners, notification_listeners, advocacy_listeners, advocacy_context,
    blog_listeners, search_listeners,
    polls_listeners, polls_context,
    ideas_listeners, ideas_context,
)  # fmt: skip


def create_app() -> Starlette:
    routes = [
        Route("/healthz", healthz),
        Route("/static/{path:path}", web.serve_static),
        *accounts_routes.routes,
        *privacy_routes.routes,
        # Before threads: /t/{id}/poll would otherwise read as a thread slug.
        *polls_routes.routes,
        *ideas_routes.routes,
        *threads_routes.routes,
        *threads_admin.routes,
        *tag_routes.routes,
        *interests_routes.routes,
        *bookmark_routes.routes,
        *site_routes.routes,
        *moderation_routes.routes,
        *dashboard_routes.routes,
        *notification_routes.routes,
        *unread_lists.routes,
        *feeds_routes.routes,
        *advocacy_routes.routes,
        *advocacy_admin.routes,
        *blog_admin.routes,
        *blog_public.routes,
        *blog_routes.routes,
        *search_routes.routes,
    ]
    return Starlette(
        routes=routes,
        middleware=[
            Middleware(GZipMiddleware, minimum_size=1000, compresslevel=pagecache.COMPRESS_LEVEL),
            Middleware(SecurityHeadersMiddleware),
            Middleware(SessionMiddleware),
        ],
        exception_handlers={
            HTTPException: errors.http_exception,
            ValidationError: errors.lookup_too_long,
            500: errors.server_error,
        },
        lifespan=lifespan,
    )
