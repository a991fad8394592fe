"""The community manager's dashboard (/admin) and its numbers as CSV."""

from __future__ import annotations

import csv
import io

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum import permissions
from forum.dashboard import service
from forum.ideas import service as ideas
from forum.permissions import ensure
from forum.polls import service as polls
from forum.search import service as search
from forum.web import render


async def dashboard(request: Request) -> Response:
    ensure(permissions.view_dashboard(request.user))
    nobody, no_staff = await service.unanswered()
    days = await service.activity()
    return await render(
        request, "dashboard/index.html",
        {"responses": await service.response_times(),
         "unanswered": nobody, "no_staff": no_staff, "days": days,
         "peak": max([1] + [d.posts for d in days] + [d.members for d in days]),
         "health": await service.health(),
         "polls_waiting": await polls.awaiting_follow_up(),
         "ideas_waiting": await ideas.top_without_status(),
         "searches": await search.top_searches(),
         "empty_searches": await search.top_searches(empty=True)},
    )  # fmt: skip


async def dashboard_csv(request: Request) -> Response:
    ensure(permissions.view_dashboard(request.user))
    buffer = io.StringIO()
    csv.writer(buffer).writerows(service.csv_rows(await service.activity()))
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="community-activity.csv"'},
    )


routes = [
    Route("/admin", dashboard),
    Route("/admin/dashboard.csv", dashboard_csv),
]
