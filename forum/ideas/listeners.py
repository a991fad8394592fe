"""Ideas react to threads: a new thread in an ideas category becomes an idea, and an idea
follows its thread when staff move it or split replies off into an ideas category."""

from __future__ import annotations

from forum import events
from forum.ideas import service
from forum.threads.models import Category


@events.subscribe(events.ThreadCreated)
async def new_idea(event: events.ThreadCreated) -> None:
    """Every thread shown in an ideas category has its idea, made with the thread."""
    if await Category.filter(id=event.category_id, kind="ideas").exists():
        await service.ensure_ideas([(event.thread_id, event.category_id)])


@events.subscribe(events.StaffActed)
async def thread_moved(event: events.StaffActed) -> None:
    """Moving a thread is recorded only as the staff action (in the move's transaction): the
    idea's category follows it there, and a thread moved into an ideas category gets its
    idea. A split does not say where its new thread went: every ideas category is checked
    (an indexed read of their threads; splits are rare)."""
    if event.target_type != "thread":
        return
    if event.action == "move_thread":
        await service.follow_thread(event.target_id)
    elif event.action == "split_thread":
        for category_id in await Category.filter(kind="ideas").values_list("id", flat=True):
            await service.fill_category(category_id)
