"""/settings/privacy: what the forum keeps, the download of a member's data, and deleting the
account."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum import permissions
from forum.forms import Invalid
from forum.permissions import ensure
from forum.privacy import export, service
from forum.web import field, form_data, redirect, render, sign_out


async def _page(
    request: Request, form: dict[str, str], errors: dict[str, str], status: int = 200
) -> Response:
    rule = await service.policy()
    context: dict[str, Any] = {
        "form": form, "errors": errors, "policy": rule, "choices": service.choices(rule),
        "only_manager": await service.only_manager(request.user),
    }  # fmt: skip
    return await render(request, "privacy/privacy.html", context, status)


async def privacy(request: Request) -> Response:
    ensure(permissions.signed_in(request.user))
    return await _page(request, {}, {})


async def download(request: Request) -> Response:
    ensure(permissions.signed_in(request.user))
    data = await export.export(request.user)
    return Response(
        data,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{export.file_name()}"',
            "Cache-Control": "no-store",
        },
    )


async def delete_account(request: Request) -> Response:
    ensure(permissions.signed_in(request.user))
    form = await form_data(request)
    values = {"posts": field(form, "posts")}
    try:
        await service.delete_account(
            request.user, password=field(form, "password"), posts=values["posts"]
        )
    except Invalid as error:
        return await _page(request, values, error.errors, 400)
    await sign_out(request)
    return redirect("/account-deleted")


async def deleted(request: Request) -> Response:
    return await render(request, "privacy/deleted.html")


routes = [
    Route("/settings/privacy", privacy),
    Route("/settings/privacy/export", download),
    Route("/settings/privacy/delete", delete_account, methods=["POST"]),
    Route("/account-deleted", deleted),
]
