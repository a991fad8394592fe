"""A member deletes their account (the download of their data is forum.privacy.export).

Within the manager's policy (the `deleted_posts` site setting) the member's posts are kept,
shown as by a "deleted member", or removed. Everything else goes, in one transaction:

- rows that exist only because of the member go, found from the schema rather than listed:
  every table whose foreign key to the member says ON DELETE CASCADE (sessions, likes,
  bookmarks, votes, flags raised, watches, preferences, notifications, points, badges, guest
  posts and editorial comments, staff notes about them). That is what each feature declared
  should happen to its rows when a member goes, so a new feature's table is covered without
  a change here. The account row itself stays, emptied (accounts.erase), so that the posts
  left behind, and the actions recorded as theirs, keep an author;
- e-mail to them (the outbox) and their rate-limit counters;
- removed posts go through threads.delete_post (counters, search, feeds), and their words are
  then erased for good (threads.erase_posts), edit history included.

Likes and votes they gave are forgotten, but the totals they added to stay: a poll's result
or an idea's rank does not change because someone left.
"""

from __future__ import annotations

from tortoise import Tortoise
from tortoise.fields.relational import OnDelete
from tortoise.models import Model
from tortoise.transactions import in_transaction

from forum import events, i18n, ratelimit
from forum.accounts import service as accounts
from forum.accounts.models import User
from forum.blog import uploads
from forum.blog.models import GuestPost, GuestPostVersion
from forum.forms import Invalid
from forum.i18n import gettext as _
from forum.mail import service as mail
from forum.search import service as search
from forum.site import models as site
from forum.threads import service as threads
from forum.threads.models import Post, Thread

# The manager's policy: the member chooses, or their posts are always kept or always removed.
POLICIES = ("choose", "keep", "remove")
CHOICES = ("keep", "remove")


async def policy() -> str:
    value = (await site.get_all())["deleted_posts"]
    return value if value in POLICIES else "choose"


def choices(rule: str) -> tuple[str, ...]:
    """What a member may choose for their posts under the policy."""
    return CHOICES if rule == "choose" else (rule,)


async def delete_account(user: User, *, password: str, posts: str) -> str:
    """Delete the member's account once they have given their password again; `posts` is
    "keep" or "remove" (the policy may decide for them). Returns what happened to the posts.
    Raises Invalid with messages for `password`, `posts`, or `form` (the community's only
    manager must hand the role on first)."""
    rule = await policy()
    if rule != "choose":
        posts = rule
    if await only_manager(user):
        raise Invalid({"form": only_manager_message()})
    errors: dict[str, str] = {}
    if posts not in CHOICES:
        errors["posts"] = _("Choose what happens to your posts.")
    if not await accounts.password_matches(user, password):
        errors["password"] = _("That is not your current password.")
    if errors:
        raise Invalid(errors)
    with i18n.language((await site.get_all())["language"]):
        # Stored, and read in every language: in the community's own.
        removed = _("This post was removed by its author.")
    async with in_transaction():
        # Locked, so two submits at once delete once (SQLite's writer lock does it there).
        if not await User.filter(id=user.id, deleted_at__isnull=True).select_for_update():
            return posts
        if await only_manager(user):  # another manager left a moment ago
            raise Invalid({"form": only_manager_message()})
        if posts == "remove":
            await _remove_posts(user, removed)
        covers = await _guest_post_covers(user, keep_published=posts == "keep")
        await mail.forget(user)
        await ratelimit.forget(user.id)
        await _delete_rows_of(user, keep_published=posts == "keep")
        await accounts.erase(user)
        await events.record(events.AccountDeleted(actor_id=user.id, user_id=user.id, posts=posts))
    for name in covers:  # files, after the rows that named them are gone for good
        uploads.remove_cover(name)
    return posts


def only_manager_message() -> str:
    return _(
        "You are the community's only manager. Make another member a manager before you "
        "delete your account."
    )


async def only_manager(user: User) -> bool:
    """The community needs a manager: the last one hands the role on before leaving."""
    if user.role != "manager":
        return False
    others = User.filter(role="manager", deleted_at__isnull=True).exclude(id=user.id)
    return not await others.exists()


def owned_tables() -> list[tuple[type[Model], str]]:
    """(model, column) for every foreign key to the member whose rows go with them."""
    found = []
    for model in Tortoise.apps.get_models_iterable():
        meta = model._meta
        for name in sorted(meta.fk_fields | meta.o2o_fields):
            field = meta.fields_map[name]
            if field.related_model is User and field.on_delete == OnDelete.CASCADE:
                found.append((model, field.source_field))
    return found


async def _delete_rows_of(user: User, *, keep_published: bool) -> None:
    for model, column in owned_tables():
        rows = model.filter(**{column: user.id})
        if model is GuestPost and keep_published:
            # A published guest post is one of their posts: it stays on the blog with them.
            rows = rows.exclude(state="published")
        await rows.delete()


async def _guest_post_covers(user: User, *, keep_published: bool) -> set[str]:
    """Cover images of the guest posts (and their versions) about to go."""
    going = GuestPost.filter(author_id=user.id)
    if keep_published:
        going = going.exclude(state="published")
    ids = await going.values_list("id", flat=True)
    names = set(await GuestPost.filter(id__in=ids).values_list("cover", flat=True))
    names |= set(await GuestPostVersion.filter(post_id__in=ids).values_list("cover", flat=True))
    kept = GuestPost.filter(cover__in=names).exclude(id__in=ids)
    return names - {""} - set(await kept.values_list("cover", flat=True))


async def _remove_posts(user: User, placeholder: str) -> None:
    """Delete every post of the member, then erase their words. A thread they started that
    others have replied to stays for the replies' sake: its opening post reads `placeholder`."""
    posts = await Post.filter(author_id=user.id).order_by("thread_id", "-number")
    opened = [post.thread_id for post in posts if post.number == 1]
    answered: set[int] = set()
    for start in range(0, len(opened), 500):
        answered |= set(
            await Post.filter(thread_id__in=opened[start : start + 500], deleted_at__isnull=True)
            .exclude(author_id=user.id)
            .distinct()
            .values_list("thread_id", flat=True)
        )
    kept_openings = {post.id for post in posts if post.number == 1 and post.thread_id in answered}
    thread: Thread | None = None
    for post in posts:
        if post.deleted_at is not None or post.id in kept_openings:
            continue
        if thread is None or thread.id != post.thread_id or post.number == 1:
            # Fresh for an opening post: deleting it takes the thread's current reply count
            # out of its category.
            thread = await Thread.get(id=post.thread_id)
        if thread.deleted_at is not None:
            continue  # went with its thread, which took it out of every count already
        post.thread = thread
        await threads.delete_post(post, user)
    await threads.erase_posts([post.id for post in posts if post.id not in kept_openings])
    await threads.erase_posts(sorted(kept_openings), placeholder)
    for thread_id in answered:
        await search.index_thread(thread_id)
