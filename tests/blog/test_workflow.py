"""The guest-post state machine: every state × every action × every role, against the issue's
description of who moves what (written out here, not read from the service's table)."""

from datetime import UTC, datetime, timedelta

import pytest

from forum.blog import service
from forum.blog.models import STATES, GuestPost, GuestPostStep
from forum.events import Event
from forum.forms import Invalid
from tests.conftest import make_user

PRE = ("accepted", "drafting", "submitted", "in_review", "changes_requested", "approved",
       "scheduled")  # fmt: skip
# (action, from state, who) -> the state it leads to. Everything not listed is refused.
SPEC = {
    ("accept", "invited", "author"): "accepted",
    ("decline", "invited", "author"): "declined",
    ("accept", "pitched", "editor"): "accepted",
    ("decline", "pitched", "editor"): "declined",
    ("expire", "invited", "system"): "expired",
    ("draft", "accepted", "author"): "drafting",
    ("draft", "changes_requested", "author"): "drafting",
    ("submit", "drafting", "author"): "submitted",
    ("review", "submitted", "editor"): "in_review",
    ("request_changes", "in_review", "editor"): "changes_requested",
    ("approve", "in_review", "editor"): "approved",
    ("schedule", "approved", "editor"): "scheduled",
    ("unschedule", "scheduled", "editor"): "approved",
    ("publish", "approved", "editor"): "published",
    ("publish", "scheduled", "editor"): "published",
    ("publish", "scheduled", "system"): "published",
    ("publish", "unpublished", "editor"): "published",
    ("unpublish", "published", "editor"): "unpublished",
    **{("withdraw", state, "author"): "withdrawn" for state in PRE},
    **{("reject", state, "editor"): "rejected" for state in PRE[2:]},
}
ROLES = ("author", "editor", "other", "system")


async def _post_in(state: str, author) -> GuestPost:
    moment = datetime.now(UTC)
    return await GuestPost.create(
        author=author, state=state, topic="Five ways to light a reading corner",
        brief="Lamps for readers", title="Five ways to light a reading corner",
        summary="Warm light, angles and dimming for a cosy corner.",
        body="A reading corner wants light from behind the shoulder. " * 10,
        created_at=moment, state_changed_at=moment,
    )  # fmt: skip


async def test_every_state_action_and_role_moves_as_the_issue_says(database):
    author = await make_user("writer")
    editor = await make_user("chief", role="manager")
    other = await make_user("stranger")
    actors = {"author": author, "editor": editor, "other": other, "system": None}
    wrong = []
    for state in STATES:
        for action in service.ACTIONS:
            for role in ROLES:
                post = await _post_in(state, author)
                expected = SPEC.get((action, state, role))
                later = datetime.now(UTC) + timedelta(days=1)
                try:
                    await service.move(post, actors[role], action, note="Because of this.",
                                       publish_at=later)  # fmt: skip
                    got = (await GuestPost.get(id=post.id)).state
                except Invalid:
                    got = None
                if got != expected:
                    wrong.append((state, action, role, expected, got))
    assert not wrong


async def test_a_refused_move_changes_nothing_and_says_why(database):
    author = await make_user("writer")
    post = await _post_in("submitted", author)
    with pytest.raises(Invalid) as refused:
        await service.move(post, author, "approve")
    assert "the guest post is “Submitted”" in refused.value.errors["action"]
    assert (await GuestPost.get(id=post.id)).state == "submitted"
    assert not await GuestPostStep.exists(post_id=post.id)


async def test_each_move_writes_a_step_and_an_event(database):
    author = await make_user("writer")
    post = await _post_in("drafting", author)
    await service.move(post, author, "submit")
    [step] = await GuestPostStep.filter(post_id=post.id)
    assert (step.from_state, step.to_state, step.actor_id) == ("drafting", "submitted", author.id)
    assert await Event.exists(kind="GuestPostMoved")


async def test_asking_for_changes_or_rejecting_needs_a_reason(database):
    author, editor = await make_user("writer"), await make_user("chief", role="manager")
    post = await _post_in("in_review", author)
    with pytest.raises(Invalid) as refused:
        await service.move(post, editor, "request_changes", note="")
    assert "note" in refused.value.errors


async def test_a_draft_too_short_cannot_be_submitted(database):
    author = await make_user("writer")
    post = await _post_in("drafting", author)
    post.body = "Too short."
    await post.save()
    with pytest.raises(Invalid) as refused:
        await service.move(post, author, "submit")
    assert "body" in refused.value.errors


async def test_a_stale_page_cannot_move_a_post_someone_else_moved(database):
    author, editor = await make_user("writer"), await make_user("chief", role="manager")
    post = await _post_in("submitted", author)
    stale = await GuestPost.get(id=post.id)
    await service.move(post, editor, "review")
    stale.state = "submitted"
    with pytest.raises(Invalid):
        await service.move(stale, author, "withdraw")  # allowed from submitted, but it moved
    assert (await GuestPost.get(id=post.id)).state == "in_review"
