"""The manager's community settings page, and the guest's language switch."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum import i18n, permissions
from forum.forms import Invalid
from forum.permissions import ensure
from forum.site import models, service
from forum.web import (
    LANGUAGE_COOKIE,
    field,
    form_data,
    not_found,
    redirect,
    render,
    safe_next,
    secure_cookies,
)

FIELDS = (
    "name", "language", "timezone", "hold_first_posts", "trust_posts", "trust_days",
    "flags_to_hide", "approve_signups", "held_email_domains", "description", "colour",
    "winback_days", "email_daily_cap", "deleted_posts",
)  # fmt: skip


async def settings_page(request: Request) -> Response:
    ensure(permissions.manage_site(request.user))
    current = await models.get_all()
    values = {name: current[name] for name in FIELDS}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = await form_data(request)
        # A field the form did not send keeps its value (an older form open in another tab).
        values = {name: field(form, name) if name in form else current[name] for name in FIELDS}
        try:
            await service.update_settings(**values)
            return redirect("/admin/settings?saved=1")
        except Invalid as error:
            errors = error.errors
    return await render(
        request, "site/settings.html",
        {"form": values, "errors": errors, "timezones": i18n.timezones(),
         "saved": request.query_params.get("saved") == "1"},
        400 if errors else 200,
    )  # fmt: skip


async def switch_language(request: Request) -> Response:
    """A guest's choice from the footer, kept in a cookie (members choose in their settings)."""
    code = request.path_params["code"]
    if code not in i18n.LANGUAGES:
        raise not_found()
    response = redirect(safe_next(request.query_params.get("next")))
    response.set_cookie(
        LANGUAGE_COOKIE, code, max_age=365 * 86400, httponly=True, samesite="lax",
        secure=secure_cookies(request.scope),
    )  # fmt: skip
    return response


routes = [
    Route("/admin/settings", settings_page, methods=["GET", "POST"]),
    Route("/language/{code}", switch_language),
]
