"""The editors' side of guest posts (/admin/guest-posts): the board, invitations, and the review
page with its versions, comments, correction and workflow actions."""

from __future__ import annotations

from datetime import date
from typing import Any

from babel.dates import format_date
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum import i18n, markup, permissions
from forum.accounts.service import get_by_username
from forum.advocacy.service import badge_name
from forum.blog import board, service
from forum.blog.models import GuestPost, GuestPostVersion
from forum.forms import Invalid
from forum.i18n import gettext as _
from forum.permissions import ensure
from forum.web import field, form_data, not_found, redirect, render

INVITE_FIELDS = ("username", "topic", "brief", "message", "due")
# Actions whose form has a note: required for some (service.NOTE_REQUIRED), optional for these.
NOTE_OPTIONAL = ("decline", "unpublish")
# Actions that end or undo work; the page says so and the browser asks once more.
CONFIRMED = ("reject", "unpublish")


def action_labels() -> dict[str, str]:
    return {
        "accept": _("Accept the pitch"), "decline": _("Decline the pitch"),
        "review": _("Start the review"), "request_changes": _("Request changes"),
        "approve": _("Approve"), "schedule": _("Schedule"), "unschedule": _("Cancel the schedule"),
        "publish": _("Publish now"), "reject": _("Reject"), "unpublish": _("Unpublish"),
        "withdraw": _("Withdraw"),
    }  # fmt: skip


def confirmations() -> dict[str, str]:
    return {
        "reject": _("Rejecting ends the work on this post for good; the author reads your reason."),
        "unpublish": _("Unpublishing takes the post off the blog and its feed at once."),
    }


def _date(value: date | None) -> str:
    return format_date(value, format="medium", locale=i18n.current_language()) if value else ""


async def guest_posts(request: Request) -> Response:
    """The board: every guest post by state, oldest first, late ones marked."""
    ensure(permissions.edit_guest_posts(request.user))
    return await render(
        request, "blog/admin_board.html",
        {"columns": await board.board(), "due_date": board.due_date, "format_date": _date,
         "invited": request.query_params.get("invited", "")},
    )  # fmt: skip


async def invite(request: Request) -> Response:
    ensure(permissions.edit_guest_posts(request.user))
    form = {"username": request.query_params.get("username", "")}
    errors: dict[str, str] = {}
    if request.method == "POST":
        data = await form_data(request)
        form = {name: field(data, name) for name in INVITE_FIELDS}
        try:
            author = await get_by_username(form["username"].strip())
            if author is None:
                raise Invalid({"username": _("No member has this username.")})
            if author.pending or not author.is_active:
                raise Invalid({"username": _("This member is suspended or awaiting approval.")})
            post = await service.invite(
                request.user, author, topic=form["topic"], brief=form["brief"],
                message=form["message"], due=form["due"],
            )  # fmt: skip
            return redirect(f"/admin/guest-posts/{post.id}?invited=1")
        except Invalid as error:
            errors = error.errors
    return await render(
        request, "blog/admin_invite.html", {"form": form, "errors": errors},
        400 if errors else 200,
    )  # fmt: skip


async def _post_or_404(request: Request) -> GuestPost:
    """The post for an editor: the permission first, so nobody learns which ids exist."""
    ensure(permissions.edit_guest_posts(request.user))
    post = await board.post_for_editors(request.path_params["post_id"])
    if post is None:
        raise not_found()
    return post


def _comparison(request: Request, versions: list[GuestPostVersion]) -> dict[str, Any]:
    """?a=N&b=M: what changed from version N to version M."""
    numbers = {str(version.number): version for version in versions}
    a, b = request.query_params.get("a", ""), request.query_params.get("b", "")
    if a in numbers and b in numbers:
        return {"a": a, "b": b, "lines": service.diff(numbers[a], numbers[b])}
    newest = [str(version.number) for version in versions[:2]]
    return {"a": newest[-1] if newest else "", "b": newest[0] if newest else "", "lines": None}


async def _review(
    request: Request, post: GuestPost, errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None, status_code: int = 200,
) -> Response:  # fmt: skip
    user = request.user
    versions = await service.versions(post)
    correction = await service.pending_correction(post)
    # The live text against the proposed one (diff reads only title, summary and body).
    changes = service.diff(post, correction) if correction else None  # type: ignore[arg-type]
    actions = [action for action in service.available(post, user)
               if service.target(action, post.state, {service.EDITOR})]  # fmt: skip
    return await render(
        request, "blog/admin_review.html",
        {"post": post, "html": markup.render(post.body) if post.body.strip() else "",
         "article": post, "published_at": None, "cover": service.cover_url(post),
         "byline": await service.byline(post), "badge_name": badge_name,
         "minutes": service.reading_minutes(post),
         "status": service.next_step(post, for_author=False), "state_label": service.state_label,
         "timeline": await service.timeline(post), "versions": versions,
         "compare": _comparison(request, versions), "comments": await service.comments(post),
         "correction": correction, "correction_lines": changes,
         "actions": actions, "labels": action_labels(), "confirmations": confirmations(),
         "note_required": service.NOTE_REQUIRED, "note_optional": NOTE_OPTIONAL,
         "confirmed": CONFIRMED, "timezone": i18n.current_timezone(),
         "due": _date(board.due_date(post)), "overdue": board.overdue(post),
         "errors": errors or {}, "form": form or {}, "done": request.query_params.get("done", ""),
         "invited": request.query_params.get("invited", "")},
        status_code,
    )  # fmt: skip


async def review(request: Request) -> Response:
    return await _review(request, await _post_or_404(request))


async def act(request: Request) -> Response:
    """One move of the workflow; a refused one comes back with the reason beside its field."""
    post = await _post_or_404(request)
    data = await form_data(request)
    form = {name: field(data, name) for name in ("action", "note", "publish_at")}
    action = form["action"]
    try:
        publish_at = None
        if action == "schedule":
            publish_at = i18n.local_moment(form["publish_at"])
            if publish_at is None:
                raise Invalid({"publish_at": _("Choose a date and a time.")})
        await service.move(post, request.user, action, note=form["note"], publish_at=publish_at)
    except Invalid as error:
        # The post as it is now (a refused move changed nothing, or someone else did).
        fresh = await board.post_for_editors(post.id) or post
        return await _review(request, fresh, error.errors, form, 400)
    return redirect(f"/admin/guest-posts/{post.id}?done={action}")


async def comment(request: Request) -> Response:
    post = await _post_or_404(request)
    body = field(await form_data(request), "body")
    try:
        await service.comment(post, request.user, body)
    except Invalid as error:
        return await _review(request, post, error.errors, {"body": body}, 400)
    return redirect(f"/admin/guest-posts/{post.id}?done=comment#comments")


async def correction(request: Request) -> Response:
    """Apply the author's pending correction to the live post, or decline it."""
    post = await _post_or_404(request)
    decision = field(await form_data(request), "decision")
    if decision not in ("apply", "decline"):
        raise not_found()
    try:
        await service.decide_correction(post, request.user, apply=decision == "apply")
    except Invalid as error:
        return await _review(request, post, error.errors, {}, 400)
    return redirect(f"/admin/guest-posts/{post.id}?done={decision}")


routes = [
    Route("/admin/guest-posts", guest_posts),
    Route("/admin/guest-posts/invite", invite, methods=["GET", "POST"]),
    Route("/admin/guest-posts/{post_id:int}", review),
    Route("/admin/guest-posts/{post_id:int}/act", act, methods=["POST"]),
    Route("/admin/guest-posts/{post_id:int}/comment", comment, methods=["POST"]),
    Route("/admin/guest-posts/{post_id:int}/correction", correction, methods=["POST"]),
]
