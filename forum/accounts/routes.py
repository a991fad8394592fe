"""Pages for signing up, signing in and out, first-run setup, and a member's own settings."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum import i18n, permissions
from forum.accounts import service
from forum.forms import Invalid
from forum.i18n import gettext as _
from forum.permissions import ensure
from forum.web import (
    client_id,
    field,
    form_data,
    redirect,
    render,
    safe_next,
    sign_in,
    sign_out,
)

# Register-form field a person never sees; bots that fill every field give themselves away.
HONEYPOT = "website_url"


async def register(request: Request) -> Response:
    if request.user.is_authenticated:
        return redirect("/")
    if request.method == "GET":
        return await render(request, "accounts/register.html", {"form": {}, "errors": {}})
    form = await form_data(request)
    values = {name: field(form, name) for name in ("username", "email")}
    try:
        if field(form, HONEYPOT):
            raise Invalid({"form": _("Please leave the hidden field empty.")})
        await service.register(
            values["username"], values["email"], field(form, "password"),
            client=client_id(request), next_url=safe_next(request.query_params.get("next")),
        )  # fmt: skip
    except Invalid as error:
        return await render(
            request, "accounts/register.html", {"form": values, "errors": error.errors}, 400
        )
    except service.RateLimited as limited:
        return await render(
            request, "accounts/register.html",
            {"form": values, "errors": {"form": limited.message}}, 429,
        )  # fmt: skip
    # The same page whether the address was free or already had an account.
    return await render(request, "accounts/check_inbox.html", {"email": values["email"]})


async def login(request: Request) -> Response:
    next_url = safe_next(request.query_params.get("next"))
    if request.user.is_authenticated:
        return redirect(next_url)
    context = {"form": {}, "errors": {}, "next": next_url}
    if request.method == "GET":
        return await render(request, "accounts/login.html", context)
    form = await form_data(request)
    context["form"] = {"login": field(form, "login")}
    try:
        user = await service.authenticate(
            field(form, "login"), field(form, "password"), client=client_id(request)
        )
    except Invalid as error:
        return await render(
            request, "accounts/login.html", {**context, "errors": error.errors}, 400
        )
    except service.RateLimited as limited:
        context["errors"] = {"login": limited.message}
        return await render(request, "accounts/login.html", context, 429)
    await sign_in(request, user)
    return redirect(next_url)


async def logout(request: Request) -> Response:
    await sign_out(request)
    return redirect("/")


async def setup(request: Request) -> Response:
    token = request.path_params["token"]
    if not await service.setup_token_valid(token):
        return await render(request, "accounts/setup_used.html", status_code=404)
    context: dict = {"form": {}, "errors": {}, "token": token}
    if request.method == "GET":
        return await render(request, "accounts/setup.html", context)
    form = await form_data(request)
    context["form"] = {name: field(form, name) for name in ("community_name", "username", "email")}
    try:
        user = await service.claim_site(
            token,
            community_name=context["form"]["community_name"],
            username=context["form"]["username"],
            email=context["form"]["email"],
            password=field(form, "password"),
        )
    except Invalid as error:
        return await render(
            request, "accounts/setup.html", {**context, "errors": error.errors}, 400
        )
    await sign_in(request, user)
    return redirect("/admin/categories")


async def profile_settings(request: Request) -> Response:
    ensure(permissions.signed_in(request.user))
    user = request.user
    values = {
        "display_name": user.display_name,
        "bio": user.bio,
        "website": user.website,
        "language": user.language,
        "timezone": user.timezone,
    }
    errors: dict[str, str] = {}
    saved = False
    if request.method == "POST":
        form = await form_data(request)
        values = {name: field(form, name) for name in values}
        try:
            await service.update_profile(user, **values)
            return redirect("/settings/profile?saved=1")
        except Invalid as error:
            errors = error.errors
    saved = request.query_params.get("saved") == "1"
    status = 400 if errors else 200
    return await render(
        request, "accounts/settings_profile.html",
        {"form": values, "errors": errors, "saved": saved, "timezones": i18n.timezones()},
        status,
    )  # fmt: skip


async def account_settings(request: Request) -> Response:
    ensure(permissions.signed_in(request.user))
    user = request.user
    context: dict = {
        "errors": {},
        "form": {"email": user.email},
        "done": request.query_params.get("done"),
    }
    if request.method == "GET":
        return await render(request, "accounts/settings_account.html", context)
    form = await form_data(request)
    action = field(form, "action")
    key = request.scope["forum.session_key"]
    try:
        if action == "password":
            await service.change_password(
                user, current=field(form, "current_password"), new=field(form, "new_password"),
                keep_key=key,
            )  # fmt: skip
        elif action == "email":
            context["form"]["email"] = field(form, "email")
            await service.change_email(
                user, password=field(form, "password"), email=field(form, "email")
            )
        elif action == "sessions":
            await service.end_other_sessions(user, keep_key=key)
        else:
            return redirect("/settings/account")
    except Invalid as error:
        context["errors"] = error.errors
        return await render(request, "accounts/settings_account.html", context, 400)
    return redirect(f"/settings/account?done={action}")


async def verify_email(request: Request) -> Response:
    """The link mailed at sign-up or after a change of address. The one that finishes a
    sign-up signs the new member in and takes them to the welcome step."""
    user, signed_up = await service.verify_email(request.path_params["token"])
    if user is not None and signed_up:
        if user.pending:
            return await render(request, "accounts/pending.html", {"member": user})
        if not request.user.is_authenticated:
            await sign_in(request, user)
            # The welcome step asks what they care about, then sends them where they were going.
            next_url = safe_next(request.query_params.get("next"))
            return redirect("/welcome?next=" + quote(next_url))
    return await render(request, "accounts/verified.html", {"member": user}, 200 if user else 404)


async def resend_verification(request: Request) -> Response:
    ensure(permissions.signed_in(request.user))
    try:
        await service.resend_verification(request.user)
    except service.RateLimited:
        return redirect("/settings/account?done=verify_limited")
    return redirect("/settings/account?done=verify")


async def password_reset(request: Request) -> Response:
    """Ask for a reset link by e-mail address (the same answer whether or not it has an
    account)."""
    context: dict = {"form": {}, "errors": {}, "sent": False}
    if request.method == "POST":
        form = await form_data(request)
        context["form"] = {"email": field(form, "email")}
        try:
            await service.request_password_reset(field(form, "email"), client=client_id(request))
            context["sent"] = True
        except service.RateLimited as limited:
            context["errors"] = {"email": limited.message}
            return await render(request, "accounts/reset_request.html", context, 429)
    return await render(request, "accounts/reset_request.html", context)


async def password_reset_confirm(request: Request) -> Response:
    token = request.path_params["token"]
    if await service.reset_link_user(token) is None:
        return await render(request, "accounts/reset_password.html", {"expired": True}, 404)
    context: dict = {"form": {}, "errors": {}, "expired": False}
    if request.method == "POST":
        form = await form_data(request)
        try:
            user = await service.reset_password(token, field(form, "password"))
        except Invalid as error:
            return await render(
                request, "accounts/reset_password.html", {**context, "errors": error.errors}, 400
            )
        await sign_in(request, user)
        return redirect("/?password_reset=1")
    return await render(request, "accounts/reset_password.html", context)


async def settings_index(request: Request) -> Response:
    return redirect("/settings/profile")


routes = [
    Route("/register", register, methods=["GET", "POST"]),
    Route("/login", login, methods=["GET", "POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/setup/{token}", setup, methods=["GET", "POST"]),
    Route("/verify/{token}", verify_email),
    Route("/settings/verify-email", resend_verification, methods=["POST"]),
    Route("/password-reset", password_reset, methods=["GET", "POST"]),
    Route("/password-reset/{token}", password_reset_confirm, methods=["GET", "POST"]),
    Route("/settings", settings_index),
    Route("/settings/profile", profile_settings, methods=["GET", "POST"]),
    Route("/settings/account", account_settings, methods=["GET", "POST"]),
]
