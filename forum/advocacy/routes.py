"""The public recognition pages: every badge, each badge's shareable page and preview picture,
and the leaderboard of advocates. Guests see them all."""

from __future__ import annotations

from math import ceil
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum import permissions
from forum.advocacy import board, service
from forum.advocacy.models import Badge
from forum.forms import Invalid
from forum.pagecache import guest_cached
from forum.permissions import ensure
from forum.settings import settings
from forum.site import models as site
from forum.threads import service as threads
from forum.threads.models import Category
from forum.web import field, form_data, not_found, not_modified, page_number, redirect, render

# The preview picture changes only with the badge's level or the brand colour (in its ETag).
IMAGE_CACHE = "public, max-age=86400"


async def badge_list(request: Request) -> Response:
    return await render(
        request, "advocacy/badges.html",
        {"catalogue": await board.catalogue(), "badge_name": service.badge_name,
         "badge_description": service.badge_description},
    )  # fmt: skip


async def _badge_or_404(request: Request) -> Badge:
    badge = await board.badge_by_slug(request.path_params["slug"])
    if badge is None:
        raise not_found()
    return badge


async def badge_page(request: Request) -> Response:
    badge = await _badge_or_404(request)
    count = await board.holder_count(badge)
    last_page = max(1, ceil(count / board.HOLDERS_PER_PAGE))
    page = page_number(request, last_page)
    # Absolute, for the link previews of the sites the page is shared on.
    address = f"{settings.base_url.rstrip('/')}/badges/{quote(badge.slug)}"
    return await render(
        request, "advocacy/badge.html",
        {"badge": badge, "name": service.badge_name(badge),
         "description": service.badge_description(badge), "holder_count": count,
         "holders": await board.holders(badge, page), "page": page, "last_page": last_page,
         "page_url": address, "image_url": f"{address}.png",
         "image_size": (board.IMAGE_WIDTH, board.IMAGE_HEIGHT)},
    )  # fmt: skip


async def badge_image(request: Request) -> Response:
    badge = await _badge_or_404(request)
    colour = board.brand_colour(await site.get_all())
    etag = board.image_etag(badge, colour)
    headers = {"ETag": etag, "Cache-Control": IMAGE_CACHE}
    if not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    return Response(board.medal_png(colour, badge.level), media_type="image/png", headers=headers)


async def advocates(request: Request) -> Response:
    period = request.query_params.get("period") or board.DEFAULT_PERIOD
    if period not in board.PERIODS:
        raise not_found()
    category = None
    if slug := request.query_params.get("category", ""):
        # A slug longer than the column names no category (and the ORM refuses to compare it).
        category = await Category.filter(slug=slug).first() if len(slug) <= 60 else None
        if category is None:
            raise not_found()
    return await render(
        request, "advocacy/advocates.html",
        {"rows": await board.leaderboard(period, category), "period": period,
         "category": category, "categories": await threads.categories()},
    )  # fmt: skip


async def choices(request: Request) -> Response:
    """The member's recognition settings: a featured badge, and whether to be on the board."""
    ensure(permissions.signed_in(request.user))
    user = request.user
    row = await service.standing(user.id)
    values = {"featured": str(row.featured_badge_id or ""), "on_board": not row.hidden_from_board}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = await form_data(request)
        values = {"featured": field(form, "featured"), "on_board": field(form, "on_board") == "1"}
        try:
            await service.update_choices(user, featured=values["featured"],
                                         on_board=values["on_board"])  # fmt: skip
            return redirect("/settings/recognition?saved=1")
        except Invalid as error:
            errors = error.errors
    awards = {award.badge_id: award.badge for award in await service.badges_of(user.id)}
    return await render(
        request, "advocacy/settings.html",
        {"form": values, "errors": errors, "badges": list(awards.values()),
         "badge_name": service.badge_name, "saved": request.query_params.get("saved") == "1"},
        400 if errors else 200,
    )  # fmt: skip


routes = [
    Route("/settings/recognition", choices, methods=["GET", "POST"]),
    Route("/badges", guest_cached(badge_list)),
    # Before /badges/{slug}, which would take "first-post.png" as a slug.
    Route("/badges/{slug}.png", badge_image),
    Route("/badges/{slug}", guest_cached(badge_page)),
    Route("/advocates", guest_cached(advocates)),
]
