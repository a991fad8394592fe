"""Pages: the guest author's side of the blog workflow (/guest-posts/...): invitations and
pitches, the draft's editor (autosave, versions, cover, preview), moves, comments and
corrections. The editors' side lives under /admin/guest-posts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from babel.dates import format_date
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from forum import i18n, markup, permissions
from forum.advocacy.service import badge_name, is_advocate
from forum.blog import service, uploads
from forum.blog.models import GuestPost, GuestPostStep
from forum.forms import Invalid
from forum.i18n import gettext as _
from forum.permissions import ensure
from forum.web import field, form_data, not_found, redirect, render

DRAFT_FIELDS = ("title", "summary", "body")
# While the post is in these states, the next move is the author's: a due date can pass.
AUTHOR_OWES = ("invited", "accepted", "drafting", "changes_requested")
# The list page's sections, in order.
SECTIONS = (
    ("invitations", ("invited",)),
    ("pitches", ("pitched",)),
    ("writing", service.BEFORE_PUBLICATION),
    ("published", ("published",)),
    ("closed", ("declined", "expired", "withdrawn", "rejected", "unpublished")),
)


@dataclass
class Status:
    """Where a post stands, for its status line: the state, since when, what happens next."""

    label: str
    since: datetime
    next: str
    due: str
    overdue: bool


def status(post: GuestPost) -> Status:
    due = ""
    if post.due_at and post.state in ("invited", *service.BEFORE_PUBLICATION):
        # Stored as the end of the day the invitation named.
        day = (post.due_at - timedelta(days=1)).date()
        due = format_date(day, format="medium", locale=i18n.locale())
    overdue = bool(post.due_at and post.state in AUTHOR_OWES and post.due_at <= service.now())
    return Status(service.state_label(post.state), post.state_changed_at,
                  service.next_step(post, for_author=True), due, overdue)  # fmt: skip


def author_actions(post: GuestPost, user: Any) -> list[str]:
    """The author's moves on the post now. (An author who is also an editor makes the
    editor's moves on the editorial pages.)"""
    return [
        a for a in service.available(post, user) if service.target(a, post.state, {service.AUTHOR})
    ]


def step_label(step: GuestPostStep) -> str:
    if step.action == "correct":
        return _("Correction applied")
    if step.action == "keep":
        return _("Correction declined")
    return service.state_label(step.to_state)


def version_label(kind: str) -> str:
    return {
        "draft": _("Saved draft"), "submitted": _("Submitted"),
        "correction": _("Proposed correction"), "replaced": _("Replaced correction"),
        "applied": _("Applied correction"), "declined": _("Declined correction"),
    }.get(kind, kind)  # fmt: skip


# --- Loading a post


async def _find(request: Request) -> GuestPost:
    """The post at this address. A guest is asked to sign in first: it may be its author, whose
    session ended."""
    ensure(permissions.signed_in(request.user))
    post = await (
        GuestPost.filter(id=request.path_params["post_id"]).select_related("invited_by").first()
    )
    if post is None:
        raise not_found()
    return post


async def _author_post(request: Request) -> GuestPost:
    """The post, for its author only; to anybody else it does not exist."""
    post = await _find(request)
    if service.AUTHOR not in service.roles(post, request.user):
        raise not_found()
    return post


# --- Pages


async def my_posts(request: Request) -> Response:
    ensure(permissions.signed_in(request.user))
    posts = await GuestPost.filter(author_id=request.user.id).order_by("-state_changed_at", "-id")
    sections = [(key, [post for post in posts if post.state in states]) for key, states in SECTIONS]
    return await render(
        request, "blog/author_list.html",
        {"sections": [(key, rows) for key, rows in sections if rows], "status": status,
         "may_pitch": permissions.pitch_guest_post(request.user)
         and await is_advocate(request.user)},
    )  # fmt: skip


async def pitch(request: Request) -> Response:
    ensure(permissions.pitch_guest_post(request.user))
    values = {"topic": "", "brief": ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = await form_data(request)
        values = {name: field(form, name) for name in values}
        try:
            post = await service.pitch(request.user, **values)
            return redirect(f"/guest-posts/{post.id}?done=pitch")
        except Invalid as error:
            errors = error.errors
    return await render(
        request, "blog/author_pitch.html",
        {"form": values, "errors": errors, "advocate": await is_advocate(request.user)},
        400 if errors else 200,
    )  # fmt: skip


async def _post_page(
    request: Request, post: GuestPost, errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> Response:  # fmt: skip
    return await render(
        request, "blog/author_post.html",
        {"post": post, "status": status(post), "actions": author_actions(post, request.user),
         "timeline": await service.timeline(post), "comments": await service.comments(post),
         "step_label": step_label, "writable": post.state in service.WRITABLE,
         "errors": errors or {}, "form": form or {}, "done": request.query_params.get("done")},
        400 if errors else 200,
    )  # fmt: skip


async def post_page(request: Request) -> Response:
    post = await _find(request)
    if service.roles(post, request.user) == {service.EDITOR}:
        return redirect(f"/admin/guest-posts/{post.id}")  # editors have their own page
    if service.AUTHOR not in service.roles(post, request.user):
        raise not_found()
    return await _post_page(request, post)


async def act(request: Request) -> Response:
    """Accept, decline, withdraw or submit, with an optional note."""
    post = await _author_post(request)
    form = await form_data(request)
    action, note = field(form, "action"), field(form, "note")
    # Only the author's moves here: anything else is refused by move(), which says why.
    move = action if service.target(action, post.state, {service.AUTHOR}) else ""
    try:
        await service.move(post, request.user, move, note)
    except Invalid as error:
        if action == "submit" and set(error.errors) & set(DRAFT_FIELDS):
            saved = {name: getattr(post, name) for name in DRAFT_FIELDS}
            return await _editor(request, post, saved, error.errors)
        return await _post_page(request, post, error.errors, {"action": action, "note": note})
    if action == "accept":
        return redirect(f"/guest-posts/{post.id}/edit?done=accept")
    return redirect(f"/guest-posts/{post.id}?done={action}")


async def add_comment(request: Request) -> Response:
    post = await _author_post(request)
    body = field(await form_data(request), "body")
    try:
        await service.comment(post, request.user, body)
    except Invalid as error:
        return await _post_page(request, post, error.errors, {"body": body})
    return redirect(f"/guest-posts/{post.id}#comments")


# --- Writing


async def _editor(
    request: Request, post: GuestPost, values: dict[str, str],
    errors: dict[str, str] | None = None, unsaved: bool = False,
) -> Response:  # fmt: skip
    """The draft's editor; `unsaved` marks text the server does not have (the browser keeps
    its own copy until it does)."""
    return await render(
        request, "blog/author_edit.html",
        {"post": post, "form": values, "errors": errors or {}, "unsaved": unsaved,
         "status": status(post), "versions": await service.versions(post),
         "version_label": version_label, "cover": service.cover_url(post),
         "max_cover_bytes": uploads.MAX_COVER_BYTES,
         "saved": request.query_params.get("saved") == "1",
         "done": request.query_params.get("done")},
        400 if errors else 200,
    )  # fmt: skip


def _draft(form: FormData) -> dict[str, str]:
    return {name: field(form, name) for name in DRAFT_FIELDS}


async def edit(request: Request) -> Response:
    """Save draft (keeps a version), Preview (saves, then shows it) or Submit for review
    (saves, then submits); whatever goes wrong, the text comes back as it was typed."""
    post = await _author_post(request)
    if request.method == "GET":
        if post.state not in service.WRITABLE:
            return redirect(f"/guest-posts/{post.id}")
        return await _editor(request, post, {name: getattr(post, name) for name in DRAFT_FIELDS})
    async with request.form() as form:  # closes the uploaded file's temporary copy
        values, intent = _draft(form), field(form, "do")
        remove_cover = bool(field(form, "remove_cover"))
        try:
            cover = await uploads.store_cover(form.get("cover"))
        except Invalid as error:
            return await _editor(request, post, values, error.errors, unsaved=True)
    if cover is None and remove_cover:
        cover = ""
    try:
        await service.save_draft(post, request.user, **values, cover=cover,
                                 keep_version=intent == "save")  # fmt: skip
    except Invalid as error:
        if cover:
            uploads.remove_cover(cover)  # stored a moment ago for nothing
        return await _editor(request, post, values, error.errors, unsaved=True)
    if intent == "submit":
        try:
            await service.move(post, request.user, "submit")
        except Invalid as error:  # saved, but not ready to submit
            return await _editor(request, post, values, error.errors)
        return redirect(f"/guest-posts/{post.id}?done=submit")
    if intent == "preview":
        return redirect(f"/guest-posts/{post.id}/preview")
    return redirect(f"/guest-posts/{post.id}/edit?saved=1")


async def autosave(request: Request) -> Response:
    """The editor's script saves the text a few seconds after each change: no version, 204."""
    post = await _author_post(request)
    form = await form_data(request)
    if any(name not in form for name in DRAFT_FIELDS):
        return PlainTextResponse(_("The draft's fields are missing."), status_code=400)
    try:
        await service.save_draft(post, request.user, **_draft(form), keep_version=False)
    except Invalid as error:
        return PlainTextResponse(" ".join(error.errors.values()), status_code=409)
    return Response(status_code=204)


async def preview(request: Request) -> Response:
    """The draft exactly as the blog will show it (the same partial), marked as a preview."""
    post = await _author_post(request)
    return await render(
        request, "blog/author_preview.html",
        {"post": post, "article": post, "html": markup.render(post.body),
         "cover": service.cover_url(post), "byline": await service.byline(post),
         "published_at": None, "minutes": service.reading_minutes(post),
         "badge_name": badge_name, "writable": post.state in service.WRITABLE},
    )  # fmt: skip


async def correction(request: Request) -> Response:
    """The author of a live post proposes a correction; an editor applies it or not."""
    post = await _author_post(request)
    if post.state != "published" and request.method == "GET":
        return redirect(f"/guest-posts/{post.id}")
    pending = await service.pending_correction(post)
    values = {name: getattr(pending or post, name) for name in DRAFT_FIELDS}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = _draft(await form_data(request))
        try:
            await service.propose_correction(post, request.user, **values)
            return redirect(f"/guest-posts/{post.id}/correction?sent=1")
        except Invalid as error:
            errors = error.errors
    return await render(
        request, "blog/author_correction.html",
        {"post": post, "form": values, "errors": errors, "pending": pending,
         "sent": request.query_params.get("sent") == "1"},
        400 if errors else 200,
    )  # fmt: skip


routes = [
    Route("/guest-posts", my_posts),
    Route("/guest-posts/pitch", pitch, methods=["GET", "POST"]),
    Route("/guest-posts/{post_id:int}", post_page),
    Route("/guest-posts/{post_id:int}/act", act, methods=["POST"]),
    Route("/guest-posts/{post_id:int}/comment", add_comment, methods=["POST"]),
    Route("/guest-posts/{post_id:int}/edit", edit, methods=["GET", "POST"]),
    Route("/guest-posts/{post_id:int}/autosave", autosave, methods=["POST"]),
    Route("/guest-posts/{post_id:int}/preview", preview),
    Route("/guest-posts/{post_id:int}/correction", correction, methods=["GET", "POST"]),
    *uploads.routes,
]
