"""Search pages: the full search with its filters, and similar threads while composing."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date
from typing import TypeVar
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from tortoise.exceptions import ValidationError

from forum.accounts import service as accounts
from forum.i18n import gettext as _
from forum.search import service
from forum.threads import service as threads
from forum.threads.models import Category, Tag
from forum.web import page_number, render

# The candidate window (service.CANDIDATES and TITLE_CANDIDATES) fills at most this many.
MAX_PAGES = 60
FIELDS = ("q", "category", "author", "tag", "from", "to", "status")
T = TypeVar("T")


def _day(value: str) -> date | None:
    """A date from the form (YYYY-MM-DD, as browsers' date inputs send), or None."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


async def _named(lookup: Awaitable[T]) -> T | None:
    """The row a filter names, or None. Text longer than its column names nothing: Tortoise
    refuses to compare it (ValidationError) rather than finding nothing."""
    try:
        return await lookup
    except ValidationError:
        return None


async def _filters(form: dict[str, str], errors: dict[str, str]) -> service.Filters:
    """The form's filters; anything that names nothing gets an error beside its field."""
    filters = service.Filters(status=form["status"] if form["status"] in service.STATUSES else "")
    if form["category"]:
        filters.category = await _named(Category.filter(slug=form["category"]).first())
        if filters.category is None:
            errors["category"] = _("There is no such category.")
    if form["author"]:
        filters.author = await _named(accounts.get_by_username(form["author"].lstrip("@")))
        if filters.author is None:
            errors["author"] = _("No member has this username.")
    if form["tag"]:
        filters.tag = await _named(Tag.filter(slug=form["tag"]).first())
        if filters.tag is None:
            errors["tag"] = _("There is no such tag.")
    for name, attribute in (("from", "since"), ("to", "until")):
        if form[name]:
            day = _day(form[name])
            if day is None:
                errors[name] = _("Enter a date like 2026-03-31.")
            setattr(filters, attribute, day)
    if filters.since and filters.until and filters.since > filters.until:
        errors["to"] = _("The end comes before the start.")
    return filters


async def search(request: Request) -> Response:
    form = {name: request.query_params.get(name, "").strip()[:200] for name in FIELDS}
    errors: dict[str, str] = {}
    filters = await _filters(form, errors)
    results = None
    if form["q"] and not errors:
        results = await service.search(form["q"], filters, page_number(request, MAX_PAGES))
        if results.query.empty:
            errors["q"] = _("Add a word to look for: excluded words alone find nothing.")
            results = None
    return await render(
        request, "search/search.html",
        {"form": form, "errors": errors, "results": results,
         "categories": await threads.categories(include_archived=True),
         "tags": await Tag.all(),
         "page_base": "/search?" + urlencode({k: v for k, v in form.items() if v})},
        400 if errors else 200,
    )  # fmt: skip


async def similar(request: Request) -> Response:
    """Threads like the title being typed, as a fragment for the new-thread page's script."""
    title = request.query_params.get("title", "")[:150]
    found = await service.similar_threads(title) if len(title.strip()) >= 5 else []
    return await render(request, "search/_similar.html", {"similar": found, "checked": True})


routes = [
    Route("/search", search),  # not cached: every search is logged
    Route("/search/similar", similar),
]
