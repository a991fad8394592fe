"""The guest-post workflow: a table of allowed moves, one verb that makes any of them, and the
author's and editors' work in between (drafts and versions, comments, corrections).

Every move checks the post's current state and the actor's part in it (author, editor, or the
forum itself), changes the state only if nobody moved it meanwhile, writes a step to the post's
timeline and records a `GuestPostMoved` event, in one transaction. An illegal move is a clear
error, never a silent change.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from forum import events, markup, permissions
from forum.accounts.models import User
from forum.blog.models import EditorialComment, GuestPost, GuestPostStep, GuestPostVersion
from forum.forms import Invalid, check_length
from forum.i18n import gettext as _
from forum.text import slugify

AUTHOR, EDITOR, SYSTEM = "author", "editor", "system"
BEFORE_PUBLICATION = (
    "accepted", "drafting", "submitted", "in_review", "changes_requested", "approved", "scheduled",
)  # fmt: skip
# action -> the moves it makes: (states it starts from, state it leads to, who may make it).
TRANSITIONS: dict[str, list[tuple[tuple[str, ...], str, str]]] = {
    "accept": [(("invited",), "accepted", AUTHOR), (("pitched",), "accepted", EDITOR)],
    "decline": [(("invited",), "declined", AUTHOR), (("pitched",), "declined", EDITOR)],
    "expire": [(("invited",), "expired", SYSTEM)],
    "draft": [(("accepted", "changes_requested"), "drafting", AUTHOR)],
    "submit": [(("drafting",), "submitted", AUTHOR)],
    "review": [(("submitted",), "in_review", EDITOR)],
    "request_changes": [(("in_review",), "changes_requested", EDITOR)],
    "approve": [(("in_review",), "approved", EDITOR)],
    "schedule": [(("approved",), "scheduled", EDITOR)],
    "unschedule": [(("scheduled",), "approved", EDITOR)],
    "publish": [
        (("approved", "scheduled", "unpublished"), "published", EDITOR),
        (("scheduled",), "published", SYSTEM),
    ],
    "reject": [(BEFORE_PUBLICATION[2:], "rejected", EDITOR)],
    "withdraw": [(BEFORE_PUBLICATION, "withdrawn", AUTHOR)],
    "unpublish": [(("published",), "unpublished", EDITOR)],
}
ACTIONS = tuple(TRANSITIONS)
# Moves that need words: the other side must know why.
NOTE_REQUIRED = ("reject", "request_changes")
# The author may change the draft in these states (the first change moves it to drafting).
WRITABLE = ("accepted", "drafting", "changes_requested")
TITLE_MIN, TITLE_MAX, SUMMARY_MAX, BODY_MIN = 5, 150, 300, 200
WORDS_PER_MINUTE = 200


def now() -> datetime:
    return datetime.now(UTC)


def roles(post: GuestPost, user: Any) -> set[str]:
    """The parts the user plays for this post: its author, an editor, both or neither."""
    found = set()
    if user is None:
        return {SYSTEM}
    if getattr(user, "is_authenticated", False) and user.id == post.author_id:
        found.add(AUTHOR)
    if permissions.edit_guest_posts(user):
        found.add(EDITOR)
    return found


def target(action: str, state: str, parts: set[str]) -> str | None:
    """Where `action` leads from `state` for someone playing `parts`, or None if it may not."""
    for sources, to_state, who in TRANSITIONS.get(action, ()):
        if state in sources and who in parts:
            return to_state
    return None


def available(post: GuestPost, user: Any) -> list[str]:
    """The actions the user may take on the post now (for its buttons)."""
    parts = roles(post, user)
    hidden = {"draft", "expire"}  # the first save drafts; the clock expires
    return [a for a in ACTIONS if a not in hidden and target(a, post.state, parts)]


def state_label(state: str) -> str:
    return {
        "invited": _("Invited"), "pitched": _("Pitched"), "accepted": _("Accepted"),
        "declined": _("Declined"), "expired": _("Expired"), "drafting": _("Drafting"),
        "submitted": _("Submitted"), "in_review": _("In review"),
        "changes_requested": _("Changes requested"), "approved": _("Approved"),
        "scheduled": _("Scheduled"), "published": _("Published"), "withdrawn": _("Withdrawn"),
        "rejected": _("Rejected"), "unpublished": _("Unpublished"),
    }[state]  # fmt: skip


def next_step(post: GuestPost, for_author: bool) -> str:
    """What happens next, in a sentence, for the author or for the editors."""
    if for_author:
        lines = {
            "invited": _("Accept the invitation to start writing, or decline it."),
            "pitched": _("An editor will read your pitch; you will be notified."),
            "accepted": _("Write your draft; submit it when it is ready."),
            "drafting": _("Keep writing; submit it when it is ready."),
            "submitted": _("An editor will review it; you will be notified."),
            "in_review": _("An editor is reviewing it; you will be notified."),
            "changes_requested": _("Read the editor's comments, revise, and submit again."),
            "approved": _("It is approved: an editor will schedule or publish it."),
            "scheduled": _("It will be published at the scheduled time."),
            "published": _("It is live on the blog. You can propose corrections."),
        }
    else:
        lines = {
            "invited": _("Waiting for the author to accept."),
            "pitched": _("Accept or decline the pitch."),
            "accepted": _("Waiting for the author's draft."),
            "drafting": _("Waiting for the author to submit."),
            "submitted": _("Start the review."),
            "in_review": _("Approve it, ask for changes, or reject it."),
            "changes_requested": _("Waiting for the author's revision."),
            "approved": _("Schedule it or publish it now."),
            "scheduled": _("It will be published at the scheduled time."),
            "published": _("It is live on the blog."),
        }
    return lines.get(post.state, _("Nothing more happens to it."))


# --- Moving a post


async def move(
    post: GuestPost, actor: Any, action: str, note: str = "", publish_at: datetime | None = None
) -> GuestPost:
    """Make one move of the workflow, or raise Invalid saying why it cannot be made."""
    note = note.strip()
    to_state = target(action, post.state, roles(post, actor))
    if to_state is None:
        raise Invalid({"action": _("This cannot be done now: the guest post is “%(state)s”.") % {
            "state": state_label(post.state)}})  # fmt: skip
    if action in NOTE_REQUIRED and len(note) < 3:
        raise Invalid({"note": _("Tell the author why, in a few words.")})
    if len(note) > 5000:
        raise Invalid({"note": _("Use at most %(n)d characters.") % {"n": 5000}})
    changes: dict[str, Any] = {}
    if action == "submit":
        _check_draft(post.title, post.summary, post.body)
    if action == "schedule":
        if publish_at is None or publish_at <= now():
            raise Invalid({"publish_at": _("Choose a time in the future.")})
        changes["publish_at"] = publish_at
    if action == "unschedule":
        changes["publish_at"] = None
    if action in ("decline", "reject", "withdraw") and note:
        changes["note"] = note
    moment = now()
    async with in_transaction():
        if action == "publish":
            changes.update(await _publication(post, moment))
        updated = await GuestPost.filter(id=post.id, state=post.state).update(
            state=to_state, state_changed_at=moment, **changes
        )
        if not updated:
            raise Invalid({"action": _("Someone else changed this guest post a moment ago.")})
        from_state = post.state
        for name, value in {"state": to_state, "state_changed_at": moment, **changes}.items():
            setattr(post, name, value)
        await GuestPostStep.create(post_id=post.id, actor_id=getattr(actor, "id", None),
                                   action=action, from_state=from_state, to_state=to_state,
                                   note=note, created_at=moment)  # fmt: skip
        if action == "submit":
            await _keep_version(post, "submitted")
        await events.record(events.GuestPostMoved(
            actor_id=getattr(actor, "id", None), post_id=post.id, action=action,
            from_state=from_state, to_state=to_state, note=note,
        ))  # fmt: skip
    return post


async def _publication(post: GuestPost, moment: datetime) -> dict[str, Any]:
    """What publishing sets: the page's HTML, its address, and (the first time) the date and
    the forum thread where readers discuss it."""
    changes: dict[str, Any] = {"html": markup.render(post.body)}
    if not post.slug:
        changes["slug"] = await _free_slug(post.title)
    if post.published_at is None:
        changes["published_at"] = moment
    if post.thread_id is None:
        changes["thread_id"] = await _open_discussion(post, changes.get("slug") or post.slug)
    return changes


async def _free_slug(title: str) -> str:
    base = slugify(title)[:150] or "guest-post"
    slug, number = base, 1
    while await GuestPost.exists(slug=slug):
        number += 1
        slug = f"{base}-{number}"
    return slug


DISCUSSION_SLUG = "blog"


async def _open_discussion(post: GuestPost, slug: str) -> int:
    """A thread in the blog-discussion category, by the author, linking to the post."""
    from forum.threads import service as threads

    category = await threads.ensure_category(
        DISCUSSION_SLUG, name=_("Blog discussions"), kind="discussion", start_role="staff",
        description=_("Comment on the posts of our blog."),
    )  # fmt: skip
    author = await User.get(id=post.author_id)
    body = f"{post.summary}\n\n[{_('Read the post on the blog')}](/blog/{slug})"
    thread = await threads.open_thread(author, category, post.title, body)
    return thread.id


def _check_draft(title: str, summary: str, body: str) -> None:
    errors: dict[str, str] = {}
    check_length(errors, "title", title, minimum=TITLE_MIN, maximum=TITLE_MAX, label=_("Title"))
    check_length(errors, "summary", summary, minimum=10, maximum=SUMMARY_MAX,
                 label=_("Summary"))  # fmt: skip
    check_length(errors, "body", body, minimum=BODY_MIN, maximum=100_000, label=_("Text"))
    if errors:
        raise Invalid(errors)


# --- Starting one


async def invite(
    editor: User, author: User, *, topic: str, brief: str, message: str, due: str
) -> GuestPost:
    """An editor invites a member to write on a topic by a date."""
    if not permissions.edit_guest_posts(editor):
        raise Invalid({"action": _("Only editors invite guest authors.")})
    topic, brief, message = " ".join(topic.split()), brief.strip(), message.strip()
    errors: dict[str, str] = {}
    check_length(errors, "topic", topic, minimum=5, maximum=200, label=_("Topic"))
    check_length(errors, "brief", brief, minimum=10, maximum=5000, label=_("Brief"))
    due_at = None
    try:
        due_at = datetime.fromisoformat(due.strip()).replace(tzinfo=UTC) + timedelta(days=1)
        if due_at <= now():
            errors["due"] = _("Choose a date in the future.")
    except ValueError:
        errors["due"] = _("Enter a due date like 2027-01-31.")
    if errors:
        raise Invalid(errors)
    return await _start(author, editor, "invite", "invited", topic=topic, brief=brief,
                        message=message[:5000], due_at=due_at, invited_by_id=editor.id)  # fmt: skip


async def pitch(author: User, *, topic: str, brief: str) -> GuestPost:
    """An Advocate or Champion proposes a topic."""
    from forum.advocacy.service import is_advocate

    if not await is_advocate(author):
        raise Invalid({"topic": _("Advocates and Champions can pitch guest posts.")})
    topic, brief = " ".join(topic.split()), brief.strip()
    errors: dict[str, str] = {}
    check_length(errors, "topic", topic, minimum=5, maximum=200, label=_("Topic"))
    check_length(errors, "brief", brief, minimum=10, maximum=5000, label=_("Your idea"))
    if errors:
        raise Invalid(errors)
    return await _start(author, author, "pitch", "pitched", topic=topic, brief=brief)


async def _start(author: User, actor: User, action: str, state: str, **fields: Any) -> GuestPost:
    moment = now()
    async with in_transaction():
        post = await GuestPost.create(author=author, state=state, created_at=moment,
                                      state_changed_at=moment, **fields)  # fmt: skip
        await GuestPostStep.create(post=post, actor_id=actor.id, action=action, to_state=state,
                                   created_at=moment)  # fmt: skip
        await events.record(events.GuestPostMoved(
            actor_id=actor.id, post_id=post.id, action=action, from_state="", to_state=state,
            note="",
        ))  # fmt: skip
    return post


# --- The author's draft


async def save_draft(
    post: GuestPost, author: User, *, title: str, summary: str, body: str,
    cover: str | None = None, keep_version: bool = True,
) -> GuestPost:  # fmt: skip
    """Save the author's text (an autosave keeps no version). The first save after acceptance
    or a request for changes moves the post to drafting. Nothing typed is refused here: the
    checks come when it is submitted."""
    if AUTHOR not in roles(post, author) or post.state not in WRITABLE:
        raise Invalid({"action": _("This draft cannot be changed now: it is “%(state)s”.") % {
            "state": state_label(post.state)}})  # fmt: skip
    if post.state != "drafting":
        await move(post, author, "draft")
    post.title, post.summary = " ".join(title.split())[:TITLE_MAX], summary.strip()[:SUMMARY_MAX]
    post.body = body[:100_000]
    fields = ["title", "summary", "body"]
    if cover is not None:
        post.cover = cover
        fields.append("cover")
    async with in_transaction():
        await post.save(update_fields=fields)
        if keep_version:
            await _keep_version(post, "draft")
    return post


async def _keep_version(post: GuestPost, kind: str) -> GuestPostVersion | None:
    """Keep the text as a numbered version, unless it is the same as the last one."""
    last = await GuestPostVersion.filter(post_id=post.id).order_by("-number").first()
    if (
        last
        and kind == "draft"
        and (last.title, last.summary, last.body, last.cover)
        == (post.title, post.summary, post.body, post.cover)
    ):
        return None
    return await GuestPostVersion.create(
        post_id=post.id, number=(last.number + 1) if last else 1, title=post.title,
        summary=post.summary, body=post.body, cover=post.cover, kind=kind, created_at=now(),
    )  # fmt: skip


async def versions(post: GuestPost) -> list[GuestPostVersion]:
    return await GuestPostVersion.filter(post_id=post.id).order_by("-number")


@dataclass
class DiffLine:
    kind: str  # "same", "added", "removed"
    text: str


def diff(old: GuestPostVersion, new: GuestPostVersion) -> list[DiffLine]:
    """Line by line, what changed from one version to another (title and summary first)."""
    before = [old.title, old.summary, "", *old.body.splitlines()]
    after = [new.title, new.summary, "", *new.body.splitlines()]
    kinds = {" ": "same", "+": "added", "-": "removed"}
    return [
        DiffLine(kinds[line[0]], line[2:])
        for line in difflib.ndiff(before, after)
        if line[0] in kinds
    ]


# --- Comments and corrections


async def comment(post: GuestPost, user: User, body: str) -> EditorialComment:
    """An editorial comment: between the author and the editors, never public."""
    if not roles(post, user) & {AUTHOR, EDITOR}:
        raise Invalid({"body": _("Only the author and the editors can comment here.")})
    body = body.strip()
    if not 1 <= len(body) <= 5000:
        raise Invalid({"body": _("Write a comment of at most %(n)d characters.") % {"n": 5000}})
    last = await GuestPostVersion.filter(post_id=post.id).order_by("-number").first()
    async with in_transaction():
        row = await EditorialComment.create(
            post_id=post.id, author_id=user.id, body=body, created_at=now(),
            version_number=last.number if last else None,
        )  # fmt: skip
        await events.record(events.GuestPostCommented(
            actor_id=user.id, post_id=post.id, comment_id=row.id))  # fmt: skip
    return row


async def propose_correction(
    post: GuestPost, author: User, *, title: str, summary: str, body: str
) -> GuestPostVersion:
    """The author of a live post proposes a change; it waits for an editor (one at a time)."""
    if AUTHOR not in roles(post, author) or post.state != "published":
        raise Invalid({"action": _("Corrections are for your published posts.")})
    _check_draft(" ".join(title.split()), summary.strip(), body)
    last = await GuestPostVersion.filter(post_id=post.id).order_by("-number").first()
    async with in_transaction():
        await GuestPostVersion.filter(post_id=post.id, kind="correction").update(kind="replaced")
        version = await GuestPostVersion.create(
            post_id=post.id, number=(last.number + 1) if last else 1,
            title=" ".join(title.split()), summary=summary.strip(), body=body, cover=post.cover,
            kind="correction", created_at=now(),
        )  # fmt: skip
        await events.record(events.GuestPostCommented(actor_id=author.id, post_id=post.id,
                                                      comment_id=0))  # fmt: skip
    return version


async def pending_correction(post: GuestPost) -> GuestPostVersion | None:
    return await GuestPostVersion.filter(post_id=post.id, kind="correction").first()


async def decide_correction(post: GuestPost, editor: User, apply: bool) -> None:
    """An editor applies the pending correction to the live post, or declines it."""
    if EDITOR not in roles(post, editor):
        raise Invalid({"action": _("Only editors decide on corrections.")})
    version = await pending_correction(post)
    if version is None:
        raise Invalid({"action": _("There is no correction waiting.")})
    async with in_transaction():
        if apply:
            post.title, post.summary, post.body = version.title, version.summary, version.body
            post.html = markup.render(version.body)
            await post.save(update_fields=["title", "summary", "body", "html"])
        version.kind = "applied" if apply else "declined"
        await version.save(update_fields=["kind"])
        await GuestPostStep.create(
            post_id=post.id, actor_id=editor.id, action="correct" if apply else "keep",
            from_state=post.state, to_state=post.state, created_at=now(),
        )  # fmt: skip


# --- Reading


def reading_minutes(post: GuestPost) -> int:
    return max(1, round(len(post.body.split()) / WORDS_PER_MINUTE))


async def timeline(post: GuestPost) -> list[GuestPostStep]:
    return (
        await GuestPostStep.filter(post_id=post.id)
        .order_by("created_at", "id")
        .select_related("actor")
    )


async def comments(post: GuestPost) -> list[EditorialComment]:
    return (
        await EditorialComment.filter(post_id=post.id)
        .order_by("created_at")
        .select_related("author")
    )


async def editors() -> list[User]:
    """Who edits guest posts: the manager, and moderators given the right."""
    candidates = await User.filter(role__in=("manager", "moderator"))
    return [user for user in candidates if permissions.edit_guest_posts(user)]


# --- The clock (the worker)


async def expire_invitations(at: datetime | None = None) -> int:
    """Invitations past their due date expire."""
    moved = 0
    for post in await GuestPost.filter(state="invited", due_at__lte=at or now()):
        try:
            await move(post, None, "expire")
            moved += 1
        except Invalid:
            pass  # accepted a moment ago
    return moved


async def publish_scheduled(at: datetime | None = None) -> int:
    """Scheduled posts whose time has come are published (once: the move checks the state)."""
    moved = 0
    for post in await GuestPost.filter(state="scheduled", publish_at__lte=at or now()):
        try:
            await move(post, None, "publish")
            moved += 1
        except Invalid:
            pass  # unscheduled or published a moment ago
    return moved


@dataclass
class Byline:
    """Who wrote a post, as the blog shows it: name, tier and badges."""

    author: User
    tier: str
    badges: list[Any]


async def byline(post: GuestPost) -> Byline:
    from forum.advocacy import service as advocacy

    author = await User.get(id=post.author_id)
    standing = await advocacy.standing(author.id)
    awards = await advocacy.badges_of(author.id)
    return Byline(author, advocacy.tier_label(await advocacy.tier_of(standing)),
                  [award.badge for award in awards][:5])  # fmt: skip


def cover_url(post: GuestPost) -> str:
    """Where a stored cover image is served (forum/blog/uploads.py), or empty."""
    return f"/uploads/covers/{post.cover}" if post.cover else ""
