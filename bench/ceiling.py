"""The ceiling: a bare Starlette app rendering the same thread page from memory, no database.

bench/load.py serves it with the forum's own server settings (uvicorn, httptools, uvloop, the
same number of workers, the same compression) and reports every forum figure as a share of its
requests per second. At start-up each worker renders CEILING_URL once through the real forum
as a guest, keeps the template's context, and closes the database; every request then renders
that template from the kept context, as the forum would if reading data cost nothing.

    DATA_DIR=... CEILING_URL=/t/1/slug .venv/bin/python -m uvicorn bench.ceiling:create_app \
        --factory --workers 2 --http httptools --loop uvloop --no-access-log --port 8400
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from tortoise import Tortoise

from forum import db, i18n, pagecache, web
from forum.app import create_app as create_forum
from forum.site import models as site

_page: dict[str, Any] = {}


async def _capture(url: str) -> None:
    """Render `url` once through the forum, keeping the template name and its context."""
    original = web.templates.TemplateResponse

    def keep(request: Request, name: str, context: dict, *args: Any, **kwargs: Any) -> Any:
        _page.update(name=name, context=dict(context))
        return original(request, name, context, *args, **kwargs)

    web.templates.TemplateResponse = keep  # type: ignore[method-assign]
    try:
        forum = create_forum()
        transport = httpx.ASGITransport(app=forum)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            response = await client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    finally:
        web.templates.TemplateResponse = original  # type: ignore[method-assign]
    community = await site.get_all()
    _page.update(language=community["language"], timezone=community["timezone"])


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    await Tortoise.init(config=db.tortoise_config(), _enable_global_fallback=True)
    try:
        await _capture(os.environ["CEILING_URL"])
    finally:
        await Tortoise.close_connections()  # from here on, no database at all
    yield


async def thread_page(request: Request) -> Response:
    i18n.activate(_page["language"], _page["timezone"])
    context = {key: value for key, value in _page["context"].items() if key != "request"}
    return web.templates.TemplateResponse(request, _page["name"], context)


def create_app() -> Starlette:
    return Starlette(
        routes=[Route("/{path:path}", thread_page)],
        middleware=[
            Middleware(GZipMiddleware, minimum_size=1000, compresslevel=pagecache.COMPRESS_LEVEL)
        ],
        lifespan=lifespan,
    )
