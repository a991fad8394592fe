"""What ideas add to other features' pages: votes, status and history in an idea's thread
head; votes and status beside each idea in thread lists; the "Top voted" order and the status
filter of an ideas category's page."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from forum import web
from forum.ideas import service
from forum.ideas.models import STATUSES, Idea
from forum.threads import service as threads
from forum.threads.models import Category, Thread


async def _thread_head(request: Request, thread: Thread) -> dict[str, Any]:
    """The idea, whether the reader voted, and its history: one query for a guest, two for a
    member once someone voted, and the history only once staff gave a status."""
    idea = await service.get_idea(thread.id)
    idea = idea or Idea(id=thread.id, category_id=thread.category_id)
    return {
        "idea": idea,
        "idea_voted": await service.has_voted(idea, request.user),
        "idea_history": await service.history(idea),
        **status_form(idea),
    }


def status_form(idea: Idea, form: dict[str, str] | None = None, errors: Any = None) -> dict:
    """What the staff's status form needs (ideas/_status_form.html)."""
    return {
        "idea_statuses": STATUSES,
        "status_names": {status: service.status_label(status) for status in STATUSES},
        "status_form": form or {"status": idea.status or STATUSES[0], "note": ""},
        "status_errors": errors or {},
    }


async def _list_ideas(shown: list[Thread]) -> None:
    """Give each listed idea its votes and status (`thread.idea`), in one query per page. A
    thread of an ideas category found without its row (its category just became one) gets
    its category filled, once."""
    wanted = [t for t in shown if service.is_ideas(t) and getattr(t, "idea", None) is None]
    if not wanted:
        return
    found = await service.ideas_of([thread.id for thread in wanted])
    missing = {t.category_id for t in wanted if t.id not in found and not t.held}
    for category_id in missing:
        await service.fill_category(category_id)
    for thread in wanted:
        thread.idea = found.get(thread.id) or Idea(id=thread.id, category_id=thread.category_id)


async def _ideas(request: Request, page: dict[str, Any]) -> dict[str, Any]:
    thread = page.get("thread")
    if isinstance(thread, Thread) and "posts" in page:
        return await _thread_head(request, thread) if service.is_ideas(thread) else {}
    listed = (*page.get("pinned", ()), *page.get("threads", ()))
    await _list_ideas([item for item in listed if isinstance(item, Thread)])
    category = page.get("category")
    if isinstance(category, Category) and category.kind == "ideas" and "thread" not in page:
        chosen = service.choice(request.query_params)
        query = chosen.query
        return {
            "idea_choice": chosen, "idea_statuses": STATUSES, "no_status": service.NO_STATUS,
            "list_path": f"{category.url}?{query}" if query else category.url,
        }  # fmt: skip
    return {}


web.context_providers.append(_ideas)
threads.category_listers["ideas"] = service.category_listing
