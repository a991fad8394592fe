"""Recognition reacts to what members do, in the same transaction as the action.

Each listener books under a key made from the event (or from what must count only once, such as
one member's like of one post), at the event's own time: replaying the activity log books
exactly the same rows.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from forum import events
from forum.advocacy import service
from forum.advocacy.models import Badge, PointEntry, Standing
from forum.threads import service as threads
from forum.threads.models import Post, Thread


def _event() -> tuple[int, object]:
    row = events.current()
    return row.id, row.created_at


@events.subscribe(events.ThreadCreated)
async def thread_started(event: events.ThreadCreated) -> None:
    _, at = _event()
    if event.opened_for_member:
        return  # a guest post's discussion: the post itself earns the points
    post = await Post.get(id=event.post_id)
    weight = (await service.rules()).weights["thread"]
    await service.book(post.author_id, weight, "thread", f"thread:{event.thread_id}", at,
                       thread_id=event.thread_id, post_id=post.id,
                       category_id=event.category_id)  # fmt: skip
    await service.award_by_rule("first_post", post.author_id, f"first-post:{post.author_id}", at)


@events.subscribe(events.PostCreated)
async def replied(event: events.PostCreated) -> None:
    """A reply earns points in someone else's thread only: answering yourself earns nothing."""
    _, at = _event()
    post = await threads.event_post(event.post_id)
    await service.award_by_rule("first_post", post.author_id, f"first-post:{post.author_id}", at)
    if post.author_id == post.thread.author_id:
        return
    weight = (await service.rules()).weights["reply"]
    await service.book(post.author_id, weight, "reply", f"reply:{post.id}", at,
                       thread_id=post.thread_id, post_id=post.id,
                       category_id=post.thread.category_id)  # fmt: skip


@events.subscribe(events.LikeGiven)
async def liked(event: events.LikeGiven) -> None:
    """Points for a like come once per member and post (liking again after taking a like back
    earns nothing), never for liking yourself, and within a daily cap."""
    _, at = _event()
    if event.actor_id == event.author_id or event.actor_id is None:
        return
    post = await Post.get(id=event.post_id).select_related("thread")
    source = {"thread_id": post.thread_id, "post_id": post.id,
              "category_id": post.thread.category_id}  # fmt: skip
    pair = f"{post.id}:{event.actor_id}"
    await service.book_like_points(event.author_id, "like_received", f"liked:{pair}", at, **source)
    await service.book_like_points(event.actor_id, "like_given", f"gave:{pair}", at, **source)
    await service.award_by_rule("first_like", event.actor_id, f"first-like:{event.actor_id}", at)
    # Members who ever liked it, from the ledger: the same count when the log is replayed.
    likers = await PointEntry.filter(post_id=post.id, reason="like_received").count()
    for count, rule in service.LIKE_BADGES:
        if likers >= count:
            await service.award_by_rule(rule, event.author_id, f"{rule}:{post.id}", at)


async def _counts_as_answer(thread_id: int, author_id: int) -> Thread | None:
    """An accepted answer counts when it answers someone else's question."""
    thread = await Thread.get(id=thread_id)
    return None if thread.author_id == author_id else thread


@events.subscribe(events.SolutionAccepted)
async def accepted(event: events.SolutionAccepted) -> None:
    event_id, at = _event()
    thread = await _counts_as_answer(event.thread_id, event.author_id)
    if thread is None:
        return
    weight = (await service.rules()).weights["accepted"]
    entry = await service.book(event.author_id, weight, "accepted", f"accepted:{event_id}", at,
                               thread_id=thread.id, post_id=event.post_id,
                               category_id=thread.category_id)  # fmt: skip
    if entry is None:
        return
    row = await service.standing(event.author_id)
    await Standing.filter(id=row.id).update(accepted_answers=row.accepted_answers + 1)
    answers = row.accepted_answers + 1
    author = event.author_id
    await service.award_by_rule("first_solution", author, f"first-solution:{author}", at)
    for count, rule in service.ACCEPTED_BADGES:
        if answers >= count:
            await service.award_by_rule(rule, author, f"{rule}:{author}", at)
    weeks = await _helpful_streak(author, at.date())
    for count, rule in service.STREAK_BADGES:
        if weeks >= count:
            await service.award_by_rule(rule, author, f"{rule}:{author}", at)


async def _helpful_streak(user_id: int, today: date) -> int:
    """Weeks in a row, up to this one, in which the member had an answer accepted."""
    since = today - timedelta(weeks=30)
    days = await PointEntry.filter(
        user_id=user_id, reason="accepted", created_at__gte=since
    ).values_list("created_at", flat=True)
    weeks = {moment.date().isocalendar()[:2] for moment in days}
    streak, day = 0, today
    while day.isocalendar()[:2] in weeks:
        streak += 1
        day -= timedelta(weeks=1)
    return streak


@events.subscribe(events.SolutionWithdrawn)
async def withdrawn(event: events.SolutionWithdrawn) -> None:
    event_id, at = _event()
    thread = await _counts_as_answer(event.thread_id, event.author_id)
    if thread is None:
        return
    weight = (await service.rules()).weights["accepted"]
    entry = await service.book(event.author_id, -weight, "accepted", f"unaccepted:{event_id}",
                               at, thread_id=thread.id, post_id=event.post_id,
                               category_id=thread.category_id)  # fmt: skip
    if entry is not None:
        row = await service.standing(event.author_id)
        await Standing.filter(id=row.id).update(accepted_answers=max(0, row.accepted_answers - 1))


@events.subscribe(events.FlagsResolved)
async def flags_upheld(event: events.FlagsResolved) -> None:
    if event.resolution != "upheld":
        return
    _, at = _event()
    weight = (await service.rules()).weights["flag_upheld"]
    for flagger in event.flagger_ids:
        await service.book(flagger, weight, "flag_upheld", f"flag:{event.post_id}:{flagger}", at,
                           post_id=event.post_id)  # fmt: skip


# Removed content keeps nothing it earned (its author's, its likers', an accepted answer's
# points); shown again, it earns them back.


@events.subscribe(events.PostDeleted)
@events.subscribe(events.PostHidden)
async def removed(event: events.PostDeleted | events.PostHidden) -> None:
    event_id, at = _event()
    await service.take_back(event.post_id, f"removed:{event_id}", at)


@events.subscribe(events.PostRestored)
@events.subscribe(events.PostUnhidden)
async def shown_again(event: events.PostRestored | events.PostUnhidden) -> None:
    event_id, at = _event()
    await service.give_back(event.post_id, f"back:{event_id}", at)


@events.subscribe(events.PointsAdjusted)
async def adjusted(event: events.PointsAdjusted) -> None:
    event_id, at = _event()
    await service.book(event.user_id, event.points, "adjustment", f"adjust:{event_id}", at,
                       note=event.reason)  # fmt: skip


@events.subscribe(events.BadgeGranted)
async def granted(event: events.BadgeGranted) -> None:
    event_id, at = _event()
    badge = await Badge.filter(id=event.badge_id).first()
    expires = datetime.fromisoformat(event.expires_at) if event.expires_at else None
    await service.award(badge, event.user_id, f"granted:{event_id}", at, reason=event.reason,
                        granted_by=event.actor_id, expires_at=expires)  # fmt: skip


@events.subscribe(events.GuestPostMoved)
async def guest_post(event: events.GuestPostMoved) -> None:
    """Publication earns the author the guest-post points and the guest-author badge; taking
    the post off the blog takes the points back (the badge stays: it was earned)."""
    if event.action not in ("publish", "unpublish"):
        return
    event_id, at = _event()
    from forum.blog.models import GuestPost

    post = await GuestPost.get(id=event.post_id)
    weight = (await service.rules()).weights["guest_post"]
    if event.action == "publish":
        await service.book(post.author_id, weight, "guest_post", f"guest_post:{event_id}", at,
                           note=post.title[:300])  # fmt: skip
        key = f"guest-author:{post.author_id}"
        await service.award_by_rule("guest_author", post.author_id, key, at)
    else:
        await service.book(post.author_id, -weight, "taken_back", f"guest_post_back:{event_id}",
                           at, note=post.title[:300])  # fmt: skip
