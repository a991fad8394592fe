"""Flagging for members; the review queue, post and member actions, audit log for staff."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum import permissions as can
from forum import web
from forum.accounts import service as accounts
from forum.accounts.models import User
from forum.forms import Invalid, positive_ids
from forum.i18n import gettext as _
from forum.mail import service as mail
from forum.moderation import service
from forum.moderation.models import FLAG_REASONS
from forum.permissions import ensure
from forum.threads import service as threads
from forum.threads.models import POSTS_PER_PAGE, Post, Thread
from forum.web import field, form_data, id_param, not_found, redirect, render


async def _staff_context(request: Request, page: dict[str, Any]) -> dict[str, Any]:
    if can.moderate(request.user):
        return {"review_count": await service.queue_count()}
    return {}


web.context_providers.append(_staff_context)


async def _post_or_404(request: Request, *, with_deleted: bool = False) -> Post:
    post = await threads.get_post(request.path_params["post_id"], with_deleted=with_deleted)
    if post is None or (post.held and not can.view_held(request.user, post)):
        raise not_found()
    return post


async def _member_or_404(request: Request) -> User:
    member = await accounts.get_by_username(request.path_params["username"])
    if member is None:
        raise not_found()
    return member


async def flag_post(request: Request) -> Response:
    post = await _post_or_404(request)
    ensure(can.flag(request.user, post))
    values = {"reason": "", "note": ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = await form_data(request)
        values = {name: field(form, name) for name in values}
        try:
            await service.flag_post(post, request.user, **values)
            page = (post.number - 1) // POSTS_PER_PAGE + 1
            return redirect(f"{post.thread.url}?page={page}&flagged=1#p{post.number}")
        except Invalid as error:
            errors = error.errors
    return await render(
        request, "moderation/flag.html",
        {"post": post, "form": values, "errors": errors, "reasons": FLAG_REASONS},
        400 if errors else 200,
    )  # fmt: skip


async def mod_index(request: Request) -> Response:
    ensure(can.moderate(request.user))
    return redirect("/mod/queue")


async def queue_page(request: Request, errors: dict | None = None) -> Response:
    ensure(can.moderate(request.user))
    category_id = id_param(request.query_params.get("category"))
    kind = request.query_params.get("type", "")
    kind = kind if kind in service.QUEUE_KINDS else ""
    return await render(
        request, "moderation/queue.html",
        {"items": await service.queue(category_id, kind),
         "signups": await service.pending_signups() if kind in ("", "signups") else [],
         "categories": await threads.categories(True), "category_id": category_id,
         "kind": kind, "errors": errors or {}},
        400 if errors else 200,
    )  # fmt: skip


QUEUE_ACTIONS = {
    "approve": service.approve_post,
    "reject": service.reject_post,
    "dismiss": service.dismiss_flags,
    "hide": service.hide_post,
    "delete": service.delete_post,
    "delete_silence": service.delete_and_silence,
}


async def queue_decide(request: Request) -> Response:
    """One decision for every selected post (one, from its own buttons, or several at once)."""
    ensure(can.moderate(request.user))
    form = await form_data(request)
    action = QUEUE_ACTIONS.get(field(form, "action"))
    only = request.query_params.get("only", "")
    chosen = [only] if only else form.getlist("post")
    ids = positive_ids(chosen)
    if action is None or not ids:
        return await queue_page(request, {"form": _("Select at least one post and an action.")})
    for post_id in ids:
        post = await threads.get_post(post_id)
        if post is None:
            continue
        try:
            await action(post, request.user, field(form, "reason"))
        except Invalid as error:
            return await queue_page(request, error.errors)
    return redirect("/mod/queue")


async def signup_decide(request: Request) -> Response:
    """Let a held sign-up in, or refuse it."""
    ensure(can.moderate(request.user))
    member = await User.filter(id=request.path_params["user_id"], pending=True).first()
    if member is None:
        raise not_found()
    if request.path_params["action"] == "approve":
        await service.approve_signup(member, request.user)
    elif request.path_params["action"] == "reject":
        await service.reject_signup(member, request.user)
    else:
        raise not_found()
    return redirect("/mod/queue")


POST_ACTIONS = {
    "hide": service.hide_post,
    "unhide": service.unhide_post,
    "delete": service.delete_post,
    "restore": service.restore_post,
}


async def post_action(request: Request) -> Response:
    """Hide, unhide, delete or restore one post from its thread page."""
    ensure(can.moderate(request.user))
    post = await _post_or_404(request, with_deleted=True)
    action = POST_ACTIONS.get(request.path_params["action"])
    if action is None:
        raise not_found()
    form = await form_data(request)
    try:
        await action(post, request.user, field(form, "reason"))
    except Invalid as error:
        return await render(
            request, "moderation/post_action.html",
            {"post": post, "action": request.path_params["action"], "errors": error.errors,
             "form": {"reason": field(form, "reason")}},
            400,
        )  # fmt: skip
    return redirect(post.url if not post.thread.deleted_at or post.number > 1 else "/mod/audit")


async def post_action_form(request: Request) -> Response:
    """Without JavaScript, the reason for hiding is asked on a page of its own."""
    ensure(can.moderate(request.user))
    post = await _post_or_404(request, with_deleted=True)
    if request.path_params["action"] not in POST_ACTIONS:
        raise not_found()
    return await render(
        request, "moderation/post_action.html",
        {"post": post, "action": request.path_params["action"], "errors": {},
         "form": {"reason": ""}},
    )  # fmt: skip


async def _thread_or_404(request: Request) -> Thread:
    thread = await threads.get_thread(request.path_params["thread_id"])
    if thread is None:
        raise not_found()
    return thread


async def thread_tools(
    request: Request, errors: dict | None = None, form: dict | None = None
) -> Response:
    """Every staff action on a thread, on one page (no JavaScript needed)."""
    ensure(can.moderate(request.user))
    thread = await _thread_or_404(request)
    page = id_param(request.query_params.get("page")) or 1
    page_number = page if page <= thread.page_count else 1
    return await render(
        request, "moderation/thread_tools.html",
        {"thread": thread, "categories": await threads.categories(include_archived=True),
         "posts": await threads.thread_page(thread, page_number), "page": page_number,
         "opening": await Post.filter(thread_id=thread.id, number=1).first(),
         "errors": errors or {}, "form": form or {}},
        400 if errors else 200,
    )  # fmt: skip


async def thread_action(request: Request) -> Response:
    ensure(can.moderate(request.user))
    thread = await _thread_or_404(request)
    form = await form_data(request)
    action, actor = request.path_params["action"], request.user
    destination = thread.url
    try:
        if action == "lock":
            await service.lock_thread(thread, actor, field(form, "reason"))
        elif action == "unlock":
            await service.unlock_thread(thread, actor, field(form, "reason"))
        elif action == "pin":
            await service.pin_thread(thread, actor, globally=field(form, "globally") == "1")
        elif action == "unpin":
            await service.unpin_thread(thread, actor)
        elif action == "move":
            await service.move_thread(thread, actor, field(form, "category"))
        elif action == "rename":
            await service.rename_thread(thread, actor, field(form, "title"))
            destination = thread.url
        elif action == "merge":
            destination = (await service.merge_thread(thread, actor, field(form, "target"))).url
        elif action == "split":
            numbers = positive_ids(form.getlist("number"))
            new = await service.split_thread(
                thread, actor, numbers=numbers, title=field(form, "new_title"),
                category_id=field(form, "new_category"),
            )  # fmt: skip
            destination = new.url
        else:
            raise not_found()
    except Invalid as error:
        values = {name: field(form, name) for name in ("reason", "title", "target", "new_title")}
        return await thread_tools(request, error.errors, values)
    return redirect(destination)


AUDIT_FILTERS = ("actor", "action", "target", "since", "until")


async def audit_page(request: Request) -> Response:
    ensure(can.moderate(request.user))
    filters = {name: request.query_params.get(name, "") for name in AUDIT_FILTERS}
    before = id_param(request.query_params.get("before"), largest=2**63 - 1)
    entries = await service.audit_log(**filters, before=before)
    return await render(
        request, "moderation/audit.html",
        {"entries": entries, "filters": filters, "more": len(entries) == service.AUDIT_PAGE,
         "actions": service.AUDIT_ACTIONS},
    )  # fmt: skip


async def member_page(request: Request, errors: dict | None = None, form=None) -> Response:
    ensure(can.moderate(request.user))
    member = await _member_or_404(request)
    return await render(
        request, "moderation/member.html",
        {"member": member, "record": await service.member_record(member),
         "mails": await mail.sent_to(member, limit=50),
         "errors": errors or {}, "form": form or {}},
        400 if errors else 200,
    )  # fmt: skip


async def member_action(request: Request) -> Response:
    ensure(can.moderate(request.user))
    member = await _member_or_404(request)
    form = await form_data(request)
    action, reason, days = field(form, "action"), field(form, "reason"), field(form, "days")
    try:
        if action == "suspend":
            await service.suspend_user(member, request.user, days=days, reason=reason)
        elif action == "silence":
            await service.silence_user(member, request.user, days=days, reason=reason)
        elif action == "lift":
            await service.lift_sanctions(member, request.user, reason)
        elif action == "note":
            await service.add_note(member, request.user, field(form, "body"))
        elif action == "delete_spammer":
            await service.delete_spammer(member, request.user, reason)
        else:
            raise not_found()
    except Invalid as error:
        values = {"action": action, "reason": reason, "days": days, "body": field(form, "body")}
        return await member_page(request, error.errors, values)
    return redirect(f"/mod/users/{member.username}")


async def staff_page(request: Request) -> Response:
    ensure(can.manage_staff(request.user))
    errors: dict[str, str] = {}
    values = {"username": "", "role": "moderator"}
    if request.method == "POST":
        form = await form_data(request)
        values = {"username": field(form, "username").strip(), "role": field(form, "role")}
        member = await accounts.get_by_username(values["username"])
        try:
            if member is None:
                raise Invalid({"username": _("No member has that username.")})
            await service.set_role(member, request.user, values["role"])
            return redirect("/admin/staff")
        except Invalid as error:
            errors = error.errors
    return await render(
        request, "moderation/staff.html",
        {"staff": await service.staff_members(), "form": values, "errors": errors},
        400 if errors else 200,
    )  # fmt: skip


async def staff_blog_editor(request: Request) -> Response:
    """The manager lets a moderator edit guest posts, or stops them (a toggle on /admin/staff)."""
    ensure(can.manage_staff(request.user))
    form = await form_data(request)
    member = await accounts.get_by_username(field(form, "username").strip())
    if member is None:
        raise not_found()
    try:
        await service.set_blog_editor(member, request.user, field(form, "value") == "1")
    except Invalid:
        raise not_found() from None
    return redirect("/admin/staff")


routes = [
    Route("/p/{post_id:int}/flag", flag_post, methods=["GET", "POST"]),
    Route("/mod", mod_index),
    Route("/mod/queue", queue_page),
    Route("/mod/queue/decide", queue_decide, methods=["POST"]),
    Route("/mod/signups/{user_id:int}/{action}", signup_decide, methods=["POST"]),
    Route("/mod/posts/{post_id:int}/{action}", post_action_form),
    Route("/mod/posts/{post_id:int}/{action}/do", post_action, methods=["POST"]),
    Route("/mod/threads/{thread_id:int}", thread_tools),
    Route("/mod/threads/{thread_id:int}/{action}", thread_action, methods=["POST"]),
    Route("/mod/audit", audit_page),
    Route("/mod/users/{username}", member_page),
    Route("/mod/users/{username}/act", member_action, methods=["POST"]),
    Route("/admin/staff", staff_page, methods=["GET", "POST"]),
    Route("/admin/staff/blog-editor", staff_blog_editor, methods=["POST"]),
]
