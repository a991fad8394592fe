"""Tags: the list the manager curates, the (up to five) tags on a thread, tag pages by keyset,
and a small in-process cache of tag names so lists show chips without another query.

A thread's tags live twice: as ThreadTag rows (the tag pages page through their
(tag_id, last_posted_at, thread_id) index, and search joins them) and as Thread.tags, the
space-separated slugs every list already reads. Both change together, in the caller's
transaction, with Tag.thread_count (threads everyone can see).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import F, Subquery
from tortoise.transactions import in_transaction

from forum import db, keyset
from forum.forms import Invalid, check_length
from forum.i18n import gettext as _
from forum.text import slugify
from forum.threads.models import MAX_TAGS, Tag, Thread, ThreadTag

TAGS_PER_PAGE = 30
NAME_MAX, DESCRIPTION_MAX = 40, 300


# --- The cache of tag names: tags are few and rarely change. Each process reloads it a minute
# after it was read, or at once after this process changed a tag.

CACHE_SECONDS = 60.0


@dataclass(frozen=True)
class Chip:
    slug: str
    name: str

    @property
    def url(self) -> str:
        return f"/tag/{self.slug}"


_names: dict[str, str] = {}
_slugs: dict[int, str] = {}
_loaded_at = 0.0


def stale() -> bool:
    return time.monotonic() - _loaded_at > CACHE_SECONDS


async def refresh() -> None:
    """Reload the names when the cache is older than a minute (one small query)."""
    global _loaded_at
    if stale():
        rows = await Tag.all().values_list("id", "slug", "name")
        _names.clear()
        _names.update((slug, name) for _id, slug, name in rows)
        _slugs.clear()
        _slugs.update((tag_id, slug) for tag_id, slug, _name in rows)
        _loaded_at = time.monotonic()


async def slugs_by_id() -> dict[int, str]:
    """Every tag's slug by id, from the cache (refreshed when stale)."""
    await refresh()
    return dict(_slugs)


def name_of(slug: str) -> str:
    return _names.get(slug, slug)


def forget() -> None:
    """Reload on next use: after a change here (and between tests)."""
    global _loaded_at
    _loaded_at = 0.0


def chips(slugs: str) -> list[Chip]:
    """A thread's tags (its `tags` field) with their names, in the thread's order. A tag this
    process has not heard of yet shows its slug until the cache catches up."""
    return [Chip(slug, _names.get(slug, slug)) for slug in slugs.split()]


# --- The curated list (the manager)


async def all_tags() -> list[Tag]:
    return await Tag.all().order_by("name", "id")


async def get(slug: str) -> Tag | None:
    return await Tag.filter(slug=slug).first()


def _fields(data: dict[str, str]) -> dict[str, str]:
    name = " ".join(data.get("name", "").split())
    description = data.get("description", "").strip()
    errors: dict[str, str] = {}
    check_length(errors, "name", name, minimum=2, maximum=NAME_MAX, label=_("Name"))
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = _("Use at most %(n)d characters.") % {"n": DESCRIPTION_MAX}
    if errors:
        raise Invalid(errors)
    return {"name": name, "description": description}


async def create_tag(data: dict[str, str]) -> Tag:
    """A new tag; its slug (the address, /tag/slug) comes from the name or is given, and never
    changes afterwards, so links, feeds and threads' tags stay valid through renames."""
    fields = _fields(data)
    slug = slugify(data.get("slug", "").strip() or fields["name"], max_length=40, fallback="")
    if not slug:
        raise Invalid({"slug": _("Use letters or digits in the slug.")})
    if await Tag.filter(slug=slug).exists():
        raise Invalid({"slug": _("Another tag uses this slug.")})
    tag = await Tag.create(slug=slug, **fields)
    forget()
    return tag


async def update_tag(tag: Tag, data: dict[str, str]) -> Tag:
    """Rename or describe a tag (its slug stays)."""
    tag.update_from_dict(_fields(data))
    await tag.save(update_fields=["name", "description"])
    forget()
    return tag


async def delete_tag(tag: Tag) -> None:
    """Take a tag off every thread and out of the list; members following it stop."""
    async with in_transaction():
        tagged = ThreadTag.filter(tag_id=tag.id).values("thread_id")
        rows = await Thread.filter(id__in=Subquery(tagged)).values_list("id", "tags")
        for thread_id, slugs in rows:
            kept = " ".join(slug for slug in slugs.split() if slug != tag.slug)
            await Thread.filter(id=thread_id).update(tags=kept)
        # Rows in thread_tag and tag_watch go with it (ON DELETE CASCADE).
        await tag.delete()
    forget()


# --- Tags on a thread


async def check(errors: dict[str, str], slugs: list[str]) -> list[Tag]:
    """The curated tags named by `slugs` (in the list's order), or an error for the `tags`
    field: at most MAX_TAGS, each one from the list."""
    wanted = list(dict.fromkeys(slug.strip() for slug in slugs if slug.strip()))
    if not wanted:
        return []
    if len(wanted) > MAX_TAGS:
        errors["tags"] = _("Choose at most %(n)d tags.") % {"n": MAX_TAGS}
        return []
    found = await Tag.filter(slug__in=wanted).order_by("name", "id")
    if len(found) != len(wanted):
        errors["tags"] = _("Choose tags from the list.")
        return []
    return found


async def write(thread: Thread, chosen: list[Tag], *, counted: bool) -> bool:
    """Give the thread exactly these tags: rows, Thread.tags and, for a thread everyone sees
    (`counted`), the tags' thread counts. Call it inside the caller's transaction. Returns
    whether anything changed."""
    before = thread.tags.split()
    after = [tag.slug for tag in chosen]
    if before == after:
        return False
    removed = [slug for slug in before if slug not in after]
    added = [tag for tag in chosen if tag.slug not in before]
    if removed:
        gone = await Tag.filter(slug__in=removed).values_list("id", flat=True)
        await ThreadTag.filter(thread_id=thread.id, tag_id__in=gone).delete()
        if counted:
            await Tag.filter(id__in=gone).update(thread_count=F("thread_count") - 1)
    if added:
        await ThreadTag.bulk_create(
            [ThreadTag(thread_id=thread.id, tag_id=tag.id, last_posted_at=thread.last_posted_at)
             for tag in added]
        )  # fmt: skip
        if counted:
            await Tag.filter(id__in=[tag.id for tag in added]).update(
                thread_count=F("thread_count") + 1
            )
    thread.tags = " ".join(after)
    await Thread.filter(id=thread.id).update(tags=thread.tags)
    return True


async def count(thread: Thread, change: int) -> None:
    """A thread with tags became visible (+1) or stopped being visible (-1)."""
    if thread.tags:
        await Tag.filter(slug__in=thread.tags.split()).update(
            thread_count=F("thread_count") + change
        )


async def touched(thread_id: int, moment: datetime) -> None:
    """The thread's last activity moved to `moment`: its tag rows follow, so tag pages keep
    their order (one UPDATE; call only for a thread with tags)."""
    await db.execute(
        "UPDATE thread_tag SET last_posted_at = ? WHERE thread_id = ? AND last_posted_at < ?",
        moment, thread_id, moment,
    )  # fmt: skip


# --- A tag's page: its threads by last activity, paged by keyset on thread_tag's index


# What a tag page (and its feed) shows: threads a guest can read. Archived categories' threads
# stay: a tag gathers answers on a subject, and those remain worth finding.
SHOWN = {"thread__deleted_at__isnull": True, "thread__held": False}


async def tagged_threads(
    tag: Tag, cursor: str | None = None, limit: int | None = None
) -> tuple[list[Thread], str | None]:
    """A page of the tag's threads, newest activity first, and the next page's cursor."""
    limit = limit or TAGS_PER_PAGE
    query = keyset.older(ThreadTag.filter(tag_id=tag.id, **SHOWN), cursor, key="thread_id")
    rows = await (
        query.order_by("-last_posted_at", "-thread_id")
        .limit(limit + 1)
        .select_related("thread__category", "thread__author", "thread__last_poster")
    )
    threads = [row.thread for row in rows]
    next_cursor = (
        keyset.make(threads[limit - 1].last_posted_at, threads[limit - 1].id)
        if len(threads) > limit
        else None
    )
    return threads[:limit], next_cursor
