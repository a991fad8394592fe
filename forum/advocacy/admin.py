"""The manager's recognition pages: rules, badges, point adjustments (/admin/recognition) and the
advocate finder (/admin/advocates)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum import permissions
from forum.accounts.service import get_by_username
from forum.advocacy import service
from forum.advocacy.models import Badge
from forum.forms import Invalid
from forum.i18n import gettext as _
from forum.permissions import ensure
from forum.threads import service as threads
from forum.web import form_data, redirect, render

FORMS = ("rules", "badge", "grant", "adjust")


async def _rules_form() -> dict[str, str]:
    rules = await service.rules()
    values = {f"weight_{name}": str(value) for name, value in rules.weights.items()}
    values.update(likes_daily_cap=str(rules.likes_daily_cap), grace_days=str(rules.grace_days))
    for tier in rules.tiers:
        values[f"tier_{tier['key']}_name"] = tier["name"]
        values[f"tier_{tier['key']}_points"] = str(tier["points"])
        values[f"tier_{tier['key']}_weeks"] = str(tier["weeks"])
    return values


async def recognition(request: Request) -> Response:
    """One page, four forms; each POST names its form, and a form with errors comes back with
    what was typed and the message beside its field."""
    ensure(permissions.manage_recognition(request.user))
    forms: dict[str, dict[str, str]] = {
        "rules": await _rules_form(),
        "badge": {"level": "gold"},
        "grant": {"username": request.query_params.get("grant", "")},
        "adjust": {"member": request.query_params.get("adjust", "")},
    }
    errors: dict[str, dict[str, str]] = {name: {} for name in FORMS}
    if request.method == "POST":
        form = {key: str(value) for key, value in (await form_data(request)).items()}
        which = form.get("form", "")
        if which in FORMS:
            forms[which] = form
            try:
                done = await _submit(which, form, request.user)
                return redirect(f"/admin/recognition?done={done}#{which}")
            except Invalid as error:
                errors[which] = error.errors
    rules = await service.rules()
    granted = await Badge.filter(rule="").order_by("name")
    return await render(
        request, "advocacy/admin_recognition.html",
        {"forms": forms, "errors": errors, "weights": service.WEIGHTS, "tiers": rules.tiers,
         "tier_label": service.tier_label,
         "badge_options": [(str(badge.id), badge.name) for badge in granted],
         "done": request.query_params.get("done", "")},
        400 if any(errors.values()) else 200,
    )  # fmt: skip


async def _submit(which: str, form: dict[str, str], actor: Any) -> str:
    if which == "rules":
        await service.update_rules(form)
    elif which == "badge":
        await service.create_badge(form.get("name", ""), form.get("description", ""),
                                   form.get("level", ""))  # fmt: skip
    elif which == "grant":
        await service.grant_badge(form.get("badge", ""), form.get("username", ""), actor,
                                  form.get("reason", ""), form.get("expires", ""))  # fmt: skip
    else:
        # Its own field names: the grant form on the same page has a username and a reason.
        member = await get_by_username(form.get("member", "").strip())
        if member is None:
            raise Invalid({"member": _("No member has this username.")})
        try:
            await service.adjust(member, actor, form.get("points", ""), form.get("note", ""))
        except Invalid as error:
            renamed = {"note" if k == "reason" else k: v for k, v in error.errors.items()}
            raise Invalid(renamed) from None
    return which


async def advocates(request: Request) -> Response:
    """The advocate finder: members ranked by a score that explains itself."""
    ensure(permissions.manage_recognition(request.user))
    period = request.query_params.get("period", "90")
    days = service.FINDER_PERIODS.get(period, 90)
    categories = await threads.categories(include_archived=True)
    slug = request.query_params.get("category", "")
    category = next((c for c in categories if c.slug == slug), None)
    tier = request.query_params.get("tier", "")
    tier = tier if tier in service.TIER_KEYS else ""
    uninvited = request.query_params.get("uninvited") == "1"
    rules = await service.rules()
    return await render(
        request, "advocacy/admin_advocates.html",
        {"candidates": await service.find_advocates(
            days, category.id if category else None, tier, uninvited=uninvited),
         "uninvited": uninvited,
         "period": str(days), "periods": service.FINDER_PERIODS, "categories": categories,
         "category": category, "tier": tier, "tiers": rules.tiers,
         "tier_label": service.tier_label,
         "tier_names": {t["key"]: service.tier_label(t) for t in rules.tiers}},
    )  # fmt: skip


routes = [
    Route("/admin/recognition", recognition, methods=["GET", "POST"]),
    Route("/admin/advocates", advocates),
]
