"""Feeds: what a guest may read, newest first, gathered into a `Feed` that `documents` writes
as RSS 2.0 or Atom 1.0.

A feed is always the guest's view, whoever asks for it, so nothing here takes a user. Each feed
costs one query for its items (authors, threads and categories come in the same query) after
the one that finds its subject.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from forum import db
from forum.accounts.models import User
from forum.i18n import current_language
from forum.i18n import gettext as _
from forum.settings import settings
from forum.site import models as site
from forum.threads.models import Category, Post, Tag, Thread

# Items in a feed: readers poll often, so the newest 30 are plenty and keep each answer small.
FEED_ITEMS = 30
# What an empty feed calls its last change when it has no subject to date it by.
EMPTY_FEED_UPDATED = datetime(2000, 1, 1, tzinfo=UTC)

# The rules the thread and category pages apply for a guest: a held (awaiting approval), hidden
# or deleted post is never shown, nor any post of a held or deleted thread.
_SHOWN_POST = {"held": False, "hidden_at__isnull": True, "deleted_at__isnull": True}
_SHOWN_THREAD = {"thread__held": False, "thread__deleted_at__isnull": True}


def absolute(path: str) -> str:
    """A path on this site as an absolute URL under BASE_URL (non-ASCII usernames escaped)."""
    return settings.base_url + quote(path, safe="/?=&#%")


# A link inside stored post HTML that is a path on this site (an @mention: "/u/name"). Only
# inside an <a> tag: in sanitised HTML a "<" in text is always escaped, so this is a real tag.
_SITE_HREF = re.compile(r'(<a\s[^>]*?\bhref=")/(?!/)')


def absolute_links(stored_html: str) -> str:
    """Post HTML with links to this site made absolute: a reader shows it far from the site."""
    base = html.escape(settings.base_url, quote=True)
    return _SITE_HREF.sub(lambda match: f"{match.group(1)}{base}/", stored_html)


@dataclass(frozen=True)
class Entry:
    # Never changes once published: /t/<id> for a thread, /p/<id> for a post, both of which
    # keep leading to it after a rename, a move or a merge.
    id: str
    title: str
    link: str
    author: str
    author_link: str
    published: datetime
    updated: datetime
    # Sanitised on write by forum.markup.render (links made absolute here); the documents
    # escape it as XML text.
    html: str
    category: str = ""


@dataclass(frozen=True)
class Feed:
    # Where the documents live without their suffix: "/feeds/latest" -> .rss and .atom.
    path: str
    title: str
    subtitle: str
    # The page this feed follows.
    link: str
    language: str
    entries: list[Entry]
    updated: datetime

    def url(self, kind: str) -> str:
        return absolute(f"{self.path}.{kind}")

    def fingerprint(self, kind: str) -> str:
        """A validator for ETag: everything a reader sees except the bodies, whose edits move
        `updated`. Computed before any XML is written, so a 304 costs no rendering."""
        parts = [kind, self.path, self.title, self.subtitle, self.link, self.language]
        for entry in self.entries:
            parts += [entry.id, entry.title, entry.link, entry.author, entry.category]
            parts.append(entry.updated.isoformat())
        return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]


# --- Finding a feed's subject


async def category_by_slug(slug: str) -> Category | None:
    return await Category.filter(slug=slug).first()


# --- The items


async def newest_threads(category: Category | None = None) -> list[Post]:
    """Opening posts of the newest threads (by when they were started), with their thread,
    category and author. Like the latest page, the site-wide list leaves out archived
    categories; a category's own feed keeps them, as its page does."""
    query = Post.filter(number=1, **_SHOWN_POST, **_SHOWN_THREAD)
    if category is not None:
        query = query.filter(thread__category_id=category.id)
    else:
        query = query.filter(thread__category__archived=False)
    return await (
        query.order_by("-created_at", "-id")
        .limit(FEED_ITEMS)
        .select_related("thread", "thread__category", "author")
    )


# A tag's feed picks its newest threads among the tag's most recently active ones: a bounded
# read of thread_tag's (tag_id, last_posted_at, thread_id) index, however many it carries.
TAG_FEED_WINDOW = 300


async def tagged_threads(tag: Tag) -> list[Post]:
    """Opening posts of the newest threads carrying the tag (by when they were started), as
    its page shows them: archived categories' threads included. The newest are chosen from
    the tag's window of recently active threads, each found by (thread_id, number), so the
    read is the same size for a tag on ten threads or on a hundred thousand."""
    rows = await db.fetch(
        "SELECT p.id FROM (SELECT thread_id FROM thread_tag WHERE tag_id = ?"
        f" ORDER BY last_posted_at DESC, thread_id DESC LIMIT {TAG_FEED_WINDOW}) w"
        " JOIN post p ON p.thread_id = w.thread_id AND p.number = 1"
        " JOIN thread t ON t.id = p.thread_id"
        " WHERE p.held = ? AND p.hidden_at IS NULL AND p.deleted_at IS NULL"
        " AND t.held = ? AND t.deleted_at IS NULL"
        f" ORDER BY p.created_at DESC, p.id DESC LIMIT {FEED_ITEMS}",
        tag.id, False, False,
    )  # fmt: skip
    posts = await Post.filter(id__in=[row["id"] for row in rows]).select_related(
        "thread", "thread__category", "author"
    )
    return sorted(posts, key=lambda post: (post.created_at, post.id), reverse=True)


async def thread_posts(thread: Thread) -> list[Post]:
    """The newest posts of a thread a guest can read (the caller checked the thread)."""
    posts = await (
        Post.filter(thread_id=thread.id, **_SHOWN_POST)
        .order_by("-number")
        .limit(FEED_ITEMS)
        .select_related("author")
    )
    for post in posts:
        post.thread = thread
    return posts


async def member_posts(member: User) -> list[Post]:
    """A member's newest posts that a guest can read, with their threads."""
    posts = await (
        Post.filter(author_id=member.id, **_SHOWN_POST, **_SHOWN_THREAD)
        .order_by("-created_at", "-id")
        .limit(FEED_ITEMS)
        .select_related("thread")
    )
    for post in posts:
        post.author = member
    return posts


# --- Feeds


def _entry(post: Post, id_path: str, title: str, link: str, category: str = "") -> Entry:
    return Entry(
        id=absolute(id_path), title=title, link=absolute(link), author=post.author.name,
        author_link=absolute(post.author.url), published=post.created_at,
        updated=post.edited_at or post.created_at, html=absolute_links(post.html),
        category=category,
    )  # fmt: skip


def _thread_entry(post: Post) -> Entry:
    """A thread as one item: its title, and its opening post as the content."""
    thread = post.thread
    return _entry(post, f"/t/{thread.id}", thread.title, thread.url, thread.category.name)


def _post_entry(post: Post) -> Entry:
    thread = post.thread
    title = thread.title if post.number == 1 else _("Re: %(title)s") % {"title": thread.title}
    return _entry(post, f"/p/{post.id}", title, post.url)


def _feed(
    path: str, title: str, subtitle: str, link: str, entries: list[Entry], since: datetime
) -> Feed:
    updated = max((entry.updated for entry in entries), default=since)
    return Feed(path, title, subtitle, absolute(link), current_language(), entries, updated)


async def latest_feed() -> Feed:
    community = await site.get_all()
    names = {"community": community["name"]}
    return _feed(
        "/feeds/latest",
        _("Latest threads in %(community)s") % names,
        # The manager's paragraph on what the community is for, where the site has one.
        community.get("description") or _("The newest threads started in %(community)s.") % names,
        "/",
        [_thread_entry(post) for post in await newest_threads()],
        EMPTY_FEED_UPDATED,
    )


async def category_feed(category: Category) -> Feed:
    names = {"category": category.name, "community": (await site.get_all())["name"]}
    return _feed(
        f"/feeds{category.url}",
        _("%(category)s in %(community)s") % names,
        category.description or _("The newest threads in %(category)s.") % names,
        category.url,
        [_thread_entry(post) for post in await newest_threads(category)],
        category.created_at,
    )


async def tag_feed(tag: Tag) -> Feed:
    names = {"tag": tag.name, "community": (await site.get_all())["name"]}
    return _feed(
        f"/feeds{tag.url}",
        _("Threads tagged %(tag)s in %(community)s") % names,
        tag.description or _("The newest threads tagged %(tag)s.") % names,
        tag.url,
        [_thread_entry(post) for post in await tagged_threads(tag)],
        tag.created_at,
    )


async def thread_feed(thread: Thread) -> Feed:
    names = {"title": thread.title, "community": (await site.get_all())["name"]}
    return _feed(
        f"/feeds/t/{thread.id}",
        _("“%(title)s” in %(community)s") % names,
        _("The newest posts in “%(title)s”.") % names,
        thread.url,
        [_post_entry(post) for post in await thread_posts(thread)],
        thread.created_at,
    )


async def member_feed(member: User) -> Feed:
    names = {"name": member.name, "community": (await site.get_all())["name"]}
    return _feed(
        f"/feeds{member.url}",
        _("Posts by %(name)s in %(community)s") % names,
        _("The newest public posts by %(name)s.") % names,
        member.url,
        [_post_entry(post) for post in await member_posts(member)],
        member.created_at,
    )
