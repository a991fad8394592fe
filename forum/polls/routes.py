"""Poll pages: adding a poll to a thread, voting, closing, and the results as CSV."""

from __future__ import annotations

import csv
import io

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum import i18n
from forum import permissions as can
from forum.forms import Invalid, positive_ids
from forum.permissions import ensure
from forum.polls import service
from forum.polls.models import Poll
from forum.threads import routes as threads_routes
from forum.threads.models import Thread
from forum.web import field, form_data, not_found, redirect, render

FIELDS = ("question", "options", "kind", "max_choices", "closes_at")


async def _poll_or_404(request: Request) -> Poll:
    poll = await service.get_poll(request.path_params["poll_id"])
    if poll is None or (poll.thread.held and not can.view_held(request.user, poll.thread)):
        raise not_found()
    return poll


def _at_poll(thread: Thread) -> str:
    return f"{thread.url}#poll"


async def add_poll(request: Request) -> Response:
    thread = await threads_routes.thread_or_404(request)
    existing = await service.poll_of_thread(thread.id)
    ensure(can.add_poll(request.user, thread))
    if existing:
        return redirect(_at_poll(thread))
    values = dict.fromkeys(FIELDS, "") | {"kind": "single"}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = await form_data(request)
        values = {name: field(form, name) for name in FIELDS}
        try:
            await service.create_poll(
                thread, request.user, question=values["question"], options=values["options"],
                multiple=values["kind"] == "multiple", max_choices=values["max_choices"],
                closes_at=values["closes_at"],
            )  # fmt: skip
            return redirect(_at_poll(thread))
        except Invalid as error:
            errors = error.errors
    return await render(
        request, "polls/new.html",
        {"thread": thread, "form": values, "errors": errors, "poll_view": None,
         "timezone": i18n.current_timezone()},
        400 if errors else 200,
    )  # fmt: skip


async def vote(request: Request) -> Response:
    poll = await _poll_or_404(request)
    ensure(can.vote_poll(request.user, poll) or (poll.is_closed and can.signed_in(request.user)))
    form = await form_data(request)
    chosen = [value for value in form.getlist("option") if isinstance(value, str)]
    try:
        await service.vote(poll, request.user, chosen)
    except Invalid as error:
        # The poll again, with the reason beside it and the member's choices kept.
        options = await service.options_of(poll)
        view = await service.view(poll, options, request.user)
        kept = set(positive_ids(chosen))
        return await render(
            request, "polls/vote.html",
            {"thread": poll.thread, "poll_view": view, "poll_errors": error.errors,
             "poll_kept": kept},
            400,
        )  # fmt: skip
    return redirect(_at_poll(poll.thread))


async def close(request: Request) -> Response:
    poll = await _poll_or_404(request)
    ensure(can.close_poll(request.user, poll))
    await service.close(poll)
    return redirect(_at_poll(poll.thread))


async def results_csv(request: Request) -> Response:
    poll = await _poll_or_404(request)
    ensure(can.export_poll(request.user))
    buffer = io.StringIO()
    csv.writer(buffer).writerows(service.csv_rows(poll, await service.options_of(poll)))
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        # Built from the id only: nothing a member typed reaches the header.
        headers={"Content-Disposition": f'attachment; filename="poll-{poll.id}-results.csv"'},
    )


routes = [
    Route("/t/{thread_id:int}/poll", add_poll, methods=["GET", "POST"]),
    Route("/polls/{poll_id:int}/vote", vote, methods=["POST"]),
    Route("/polls/{poll_id:int}/close", close, methods=["POST"]),
    Route("/polls/{poll_id:int}/results.csv", results_csv),
]
