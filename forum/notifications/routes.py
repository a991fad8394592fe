"""Pages: the member's notifications, their preferences, watching levels, and unsubscribing."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum import permissions, web
from forum.forms import Invalid
from forum.notifications import service
from forum.notifications.models import CANNOT_SWITCH_OFF, DIGESTS, LEVELS, TOPICS, Notification
from forum.permissions import ensure
from forum.threads import service as threads
from forum.threads.models import Category, Tag
from forum.web import field, form_data, id_param, not_found, redirect, render, safe_next


async def _page_context(request: Request, page: dict[str, Any]) -> dict[str, Any]:
    """What notifications add to every page: reading a thread marks what it shows as read,
    lists show how many posts are unread (or that a thread is new), and the header shows the
    unread count."""
    user = request.user
    if not permissions.signed_in(user):
        return {}
    extra: dict[str, Any] = {}
    if page.get("thread") and "posts" in page:
        # One read gives the level, the read position before this view and the unread count.
        reading = await service.read_thread(user, page["thread"], page["posts"])
        extra["watch_level"], unread = reading.level, reading.unread
        extra["read_before"] = reading.read_before
    else:
        unread = await service.unread_count(user)
    threads_shown = [*page.get("pinned", ()), *page.get("threads", ())]
    if threads_shown:
        extra["new_posts"] = await service.new_posts(user, threads_shown)
    if isinstance(page.get("category"), Category) and "thread" not in page:
        levels = await service.category_levels_of(user.id)
        extra["watch_level"] = levels.get(page["category"].id, LEVELS["normal"])
    if isinstance(page.get("tag"), Tag) and "thread" not in page:
        extra["watch_level"] = await service.tag_level(user.id, page["tag"].id)
    extra["unread_notifications"] = unread
    return extra


web.context_providers.append(_page_context)


async def notifications_page(request: Request) -> Response:
    ensure(permissions.signed_in(request.user))
    before = id_param(request.query_params.get("before"), largest=2**63 - 1)
    rows, more = await service.page(request.user, before)
    return await render(
        request, "notifications/list.html",
        {"notifications": rows, "more": more, "describe": service.describe},
    )  # fmt: skip


async def mark_read(request: Request) -> Response:
    ensure(permissions.signed_in(request.user))
    form = await form_data(request)
    one = field(form, "notification")
    notification_id = web.id_param(one, largest=2**63 - 1)
    if notification_id is not None and not await Notification.exists(
        id=notification_id, user_id=request.user.id
    ):
        raise not_found()  # another member's: for this one it does not exist
    await service.mark_read(request.user, notification_id)
    return redirect(safe_next(field(form, "next"), "/notifications"))


async def preferences_page(request: Request) -> Response:
    ensure(permissions.signed_in(request.user))
    user = request.user
    row = await service.preference(user)
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = {key: str(value) for key, value in (await form_data(request)).items()}
        try:
            await service.update_preferences(user, form)
            return redirect("/settings/notifications?saved=1")
        except Invalid as error:
            errors = error.errors
    levels = await service.category_levels_of(user.id)
    categories = await threads.categories()
    return await render(
        request, "notifications/preferences.html",
        {"preference": row, "channel": service.channel, "topics": TOPICS,
         "cannot_switch_off": CANNOT_SWITCH_OFF, "digests": DIGESTS, "errors": errors,
         "categories": categories, "levels": levels, "level_names": LEVELS,
         "daily_caps": service.DAILY_CAPS, "saved": request.query_params.get("saved") == "1"},
        400 if errors else 200,
    )  # fmt: skip


def _level(form: Any) -> int:
    value = field(form, "level")
    if value not in LEVELS:
        raise not_found()
    return LEVELS[value]


async def watch_thread(request: Request) -> Response:
    ensure(permissions.signed_in(request.user))
    thread = await threads.get_thread(request.path_params["thread_id"])
    if thread is None or thread.held:
        raise not_found()
    await service.set_thread_level(request.user, thread, _level(await form_data(request)))
    return redirect(thread.url)


async def watch_category(request: Request) -> Response:
    ensure(permissions.signed_in(request.user))
    category = await Category.filter(slug=request.path_params["slug"]).first()
    if category is None:
        raise not_found()
    await service.set_category_level(request.user, category.id, _level(await form_data(request)))
    return redirect(category.url)


async def watch_tag(request: Request) -> Response:
    ensure(permissions.signed_in(request.user))
    tag = await Tag.filter(slug=request.path_params["slug"]).first()
    if tag is None:
        raise not_found()
    await service.set_tag_level(request.user, tag.id, _level(await form_data(request)))
    return redirect(tag.url)


async def unsubscribe(request: Request) -> Response:
    """The link in every e-mail: works without signing in. GET asks (mail scanners follow
    links); POST, from the page's button or the mail client's one-click header, does it."""
    token = request.path_params["token"]
    if request.method == "GET":
        if service.mail.unsign("unsubscribe", token) is None:
            raise not_found()
        return await render(request, "notifications/unsubscribe.html", {"done": None})
    done = await service.unsubscribe(token)
    if done is None:
        raise not_found()
    return await render(request, "notifications/unsubscribe.html", {"done": done[1]})


routes = [
    Route("/notifications", notifications_page),
    Route("/notifications/read", mark_read, methods=["POST"]),
    Route("/settings/notifications", preferences_page, methods=["GET", "POST"]),
    Route("/t/{thread_id:int}/watch", watch_thread, methods=["POST"]),
    Route("/c/{slug}/watch", watch_category, methods=["POST"]),
    Route("/tag/{slug}/watch", watch_tag, methods=["POST"]),
    Route("/unsubscribe/{token}", unsubscribe, methods=["GET", "POST"]),
]
