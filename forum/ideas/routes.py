"""Voting for an idea, taking the vote back, and staff setting its status."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum import permissions as can
from forum.forms import Invalid
from forum.ideas import service
from forum.ideas.context import status_form
from forum.ideas.models import Idea
from forum.permissions import ensure
from forum.threads import routes as threads_routes
from forum.threads.models import Thread
from forum.web import field, form_data, redirect, render


async def _idea_thread(request: Request) -> tuple[Thread, Idea | None]:
    """The thread (404 when deleted, or held from this reader) and its idea, if it has one."""
    thread = await threads_routes.thread_or_404(request)
    return thread, await service.get_idea(thread.id)


async def vote(request: Request) -> Response:
    thread, idea = await _idea_thread(request)
    ensure(can.vote_idea(request.user, thread, idea))
    await service.vote(thread, request.user)
    return redirect(f"{thread.url}#idea")


async def unvote(request: Request) -> Response:
    thread, idea = await _idea_thread(request)
    ensure(can.withdraw_idea_vote(request.user, thread, idea))
    await service.unvote(thread, request.user)
    return redirect(f"{thread.url}#idea")


async def set_status(request: Request) -> Response:
    thread, idea = await _idea_thread(request)
    ensure(can.set_idea_status(request.user, thread))
    form = await form_data(request)
    values = {"status": field(form, "status"), "note": field(form, "note")}
    try:
        await service.set_status(thread, request.user, status=values["status"], note=values["note"])
    except Invalid as error:
        idea = idea or Idea(id=thread.id, category_id=thread.category_id)
        return await render(
            request, "ideas/status.html",
            {"thread": thread, **status_form(idea, values, error.errors)}, 400,
        )  # fmt: skip
    return redirect(f"{thread.url}#idea")


routes = [
    Route("/t/{thread_id:int}/vote", vote, methods=["POST"]),
    Route("/t/{thread_id:int}/unvote", unvote, methods=["POST"]),
    Route("/t/{thread_id:int}/idea-status", set_status, methods=["POST"]),
]
