"""The manager's category pages: create, edit, order and archive (/admin/categories); and the
curated tags: create, rename, describe, delete (/admin/tags)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum import permissions
from forum.forms import Invalid
from forum.permissions import ensure
from forum.threads import service
from forum.threads import tags as tagging
from forum.threads.models import (
    CATEGORY_KINDS,
    START_ROLES,
    WATCH_ACTIONS,
    Category,
    Tag,
    WatchedWord,
)
from forum.web import field, form_data, not_found, redirect, render

FIELDS = ("name", "slug", "description", "colour", "kind", "start_role")


async def _category_or_404(request: Request) -> Category:
    category = await Category.filter(id=request.path_params["category_id"]).first()
    if category is None:
        raise not_found()
    return category


async def index(request: Request) -> Response:
    ensure(permissions.manage_categories(request.user))
    return await render(
        request, "threads/admin_categories.html",
        {"categories": await service.categories(include_archived=True)},
    )  # fmt: skip


async def _form(request: Request, category: Category | None) -> Response:
    ensure(permissions.manage_categories(request.user))
    values = (
        {name: getattr(category, name) for name in FIELDS}
        if category
        else {"kind": "discussion", "start_role": "member", "colour": "#3b6ea5"}
    )
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = await form_data(request)
        values = {name: field(form, name) for name in FIELDS}
        try:
            if category is None:
                await service.create_category(values)
            else:
                await service.update_category(category, values)
            return redirect("/admin/categories")
        except Invalid as error:
            errors = error.errors
    return await render(
        request, "threads/admin_category_form.html",
        {"category": category, "form": values, "errors": errors,
         "kinds": CATEGORY_KINDS, "start_roles": START_ROLES},
        400 if errors else 200,
    )  # fmt: skip


async def new_category(request: Request) -> Response:
    return await _form(request, None)


async def edit_category(request: Request) -> Response:
    ensure(permissions.manage_categories(request.user))
    return await _form(request, await _category_or_404(request))


async def move_category(request: Request) -> Response:
    ensure(permissions.manage_categories(request.user))
    category = await _category_or_404(request)
    form = await form_data(request)
    await service.move_category(category, -1 if field(form, "direction") == "up" else 1)
    return redirect("/admin/categories")


async def archive_category(request: Request) -> Response:
    ensure(permissions.manage_categories(request.user))
    category = await _category_or_404(request)
    form = await form_data(request)
    await service.set_archived(category, field(form, "archived") == "1")
    return redirect("/admin/categories")


async def watched_words(request: Request) -> Response:
    ensure(permissions.manage_site(request.user))
    values = {"word": "", "action": "block", "replacement": ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = await form_data(request)
        values = {name: field(form, name) for name in values}
        try:
            await service.add_watched_word(**values)
            return redirect("/admin/watched-words")
        except Invalid as error:
            errors = error.errors
    return await render(
        request, "threads/admin_watched_words.html",
        {"words": await WatchedWord.all().order_by("action", "word"), "form": values,
         "errors": errors, "actions": WATCH_ACTIONS},
        400 if errors else 200,
    )  # fmt: skip


async def remove_watched_word(request: Request) -> Response:
    ensure(permissions.manage_site(request.user))
    await service.remove_watched_word(request.path_params["word_id"])
    return redirect("/admin/watched-words")


async def tags_index(request: Request) -> Response:
    """The curated tags, with a form to add one."""
    ensure(permissions.manage_tags(request.user))
    values = {"name": "", "slug": "", "description": ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = await form_data(request)
        values = {name: field(form, name) for name in values}
        try:
            await tagging.create_tag(values)
            return redirect("/admin/tags")
        except Invalid as error:
            errors = error.errors
    return await render(
        request, "threads/admin_tags.html",
        {"tags": await tagging.all_tags(), "form": values, "errors": errors},
        400 if errors else 200,
    )  # fmt: skip


async def _tag_or_404(request: Request) -> Tag:
    tag = await Tag.filter(id=request.path_params["tag_id"]).first()
    if tag is None:
        raise not_found()
    return tag


async def edit_tag(request: Request) -> Response:
    ensure(permissions.manage_tags(request.user))
    tag = await _tag_or_404(request)
    values = {"name": tag.name, "description": tag.description}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = await form_data(request)
        values = {name: field(form, name) for name in values}
        try:
            await tagging.update_tag(tag, values)
            return redirect("/admin/tags")
        except Invalid as error:
            errors = error.errors
    return await render(
        request, "threads/admin_tag_form.html", {"tag": tag, "form": values, "errors": errors},
        400 if errors else 200,
    )  # fmt: skip


async def delete_tag(request: Request) -> Response:
    ensure(permissions.manage_tags(request.user))
    await tagging.delete_tag(await _tag_or_404(request))
    return redirect("/admin/tags")


routes = [
    Route("/admin/categories", index),
    Route("/admin/categories/new", new_category, methods=["GET", "POST"]),
    Route("/admin/categories/{category_id:int}/edit", edit_category, methods=["GET", "POST"]),
    Route("/admin/categories/{category_id:int}/move", move_category, methods=["POST"]),
    Route("/admin/categories/{category_id:int}/archive", archive_category, methods=["POST"]),
    Route("/admin/watched-words", watched_words, methods=["GET", "POST"]),
    Route("/admin/watched-words/{word_id:int}/delete", remove_watched_word, methods=["POST"]),
    Route("/admin/tags", tags_index, methods=["GET", "POST"]),
    Route("/admin/tags/{tag_id:int}/edit", edit_tag, methods=["GET", "POST"]),
    Route("/admin/tags/{tag_id:int}/delete", delete_tag, methods=["POST"]),
]
