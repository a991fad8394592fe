"""Search: keeping the index in step with what is shown, answering queries, suggesting similar
threads, and the anonymised log the dashboard reads.

Every shown post has one `search_doc` row holding its terms and its thread's title (so words
from the title and from an answer find the answer together, as in Discourse); the database's
full-text index (FTS5 on SQLite, GIN on PostgreSQL, made by migration 0014) covers it. Rows are
written by listeners in the same transaction as the post, edit, hide or delete they follow.

A query is answered from a bounded window: the most recent CANDIDATES matching posts and the
best TITLE_CANDIDATES matching titles, read newest first from the index (so the cost does not
grow with the forum), then ranked: title matches first, then solved threads, then recency.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from markupsafe import Markup
from tortoise.transactions import in_transaction

from forum import db, markup
from forum.accounts.models import User
from forum.search import text
from forum.search.models import SearchDoc, SearchLog
from forum.site import models as site
from forum.threads.models import Category, Post, Tag, Thread

RESULTS_PER_PAGE = 20
CANDIDATES = 1000
TITLE_CANDIDATES = 200
SIMILAR_LIMIT = 5
LOG_DAYS = 30
STATUSES = ("solved", "unanswered")


async def language() -> str:
    """The language Latin words are stemmed in: the community's."""
    return (await site.get_all())["language"]


# --- Keeping the index in step


def _visible(post: Post, thread: Thread) -> bool:
    return not (post.deleted_at or post.hidden_at or post.held or thread.deleted_at or thread.held)


async def index_posts(post_ids: list[int]) -> None:
    """Write (or remove) the documents of these posts as they now are: a shown post is
    indexed with its thread's title; anything else is removed."""
    if post_ids:
        await index_loaded(await Post.filter(id__in=post_ids).select_related("thread"), post_ids)


async def index_loaded(posts: list[Post], post_ids: list[int] | None = None) -> None:
    """index_posts for posts already read with their threads (`post_ids`, if given, may name
    posts that no longer exist)."""
    lang = await language()
    shown = [post for post in posts if _visible(post, post.thread)]
    gone = set(post_ids or [post.id for post in posts]) - {post.id for post in shown}
    if gone:
        await SearchDoc.filter(id__in=list(gone)).delete()
    for post in shown:
        # One statement whether or not the post had a document (its triggers keep FTS5 in step).
        await db.execute(
            "INSERT INTO search_doc (id, thread_id, title, body) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET thread_id = excluded.thread_id,"
            " title = excluded.title, body = excluded.body",
            post.id, post.thread_id, text.document(post.thread.title, lang),
            text.document(post.body, lang),
        )  # fmt: skip


async def index_thread(thread_id: int) -> None:
    """Index every post of a thread again (after it is deleted, restored, re-titled, merged
    into or split)."""
    ids = await Post.filter(thread_id=thread_id).values_list("id", flat=True)
    for start in range(0, len(ids), 500):
        await index_posts(ids[start : start + 500])


# Distinct texts whose terms rebuild() keeps at once (a thread's posts share its title, and
# demo bodies repeat): enough to catch the repeats, bounded in memory.
DOCUMENT_CACHE = 100_000


def _documents(lang: str) -> Callable[[str], str]:
    """text.document in `lang`, computed once per distinct text."""
    cache: dict[str, str] = {}

    def document(value: str) -> str:
        found = cache.get(value)
        if found is None:
            if len(cache) >= DOCUMENT_CACHE:
                cache.clear()
            found = cache[value] = text.document(value, lang)
        return found

    return document


async def rebuild(batch: int = 5000) -> int:
    """Index every shown post from scratch (`run.py reindex-search`, and after the demo's
    bulk inserts), computing each distinct text's terms once. Returns the number of
    documents."""
    document = _documents(await language())
    if db.dialect() == "sqlite":
        return await _rebuild_sqlite(document, batch)
    return await _rebuild_postgres(document, batch)


async def _rebuild_sqlite(document: Callable[[str], str], batch: int) -> int:
    """One transaction: searches meanwhile read the old index, and the new one replaces it at
    once; it holds the write lock, so other writers wait (about fifteen seconds a million
    posts). Rather than feeding the full-text table row by row through search_doc's triggers,
    it drops them, fills search_doc, builds the full-text table in one pass ('rebuild', several
    times faster) and creates the triggers again from their own stored SQL."""
    # "+p.held": walk the posts by id, not by the (held, created_at) index and then a sort.
    select = (
        "SELECT p.id, p.thread_id, p.body, t.title FROM post p JOIN thread t ON t.id = p.thread_id"
        " WHERE p.id > ? AND p.deleted_at IS NULL AND p.hidden_at IS NULL AND +p.held = 0"
        " AND t.deleted_at IS NULL AND t.held = 0 ORDER BY p.id LIMIT ?"
    )
    insert = "INSERT INTO search_doc (id, thread_id, title, body) VALUES (?, ?, ?, ?)"
    total, last = 0, 0
    async with in_transaction() as connection:
        triggers = await connection.execute_query_dict(
            "SELECT name, sql FROM sqlite_master"
            " WHERE type = 'trigger' AND tbl_name = 'search_doc' ORDER BY name"
        )
        for trigger in triggers:
            await connection.execute_query(f'DROP TRIGGER "{trigger["name"]}"')
        await connection.execute_query("INSERT INTO search_fts(search_fts) VALUES ('delete-all')")
        await connection.execute_query("DELETE FROM search_doc")
        while True:
            _, rows = await connection.execute_query(select, [last, batch])
            if not rows:
                break
            docs = [(row[0], row[1], document(row[3]), document(row[2])) for row in rows]
            await connection.execute_many(insert, docs)
            total += len(rows)
            last = rows[-1][0]
        await connection.execute_query("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
        # One segment: later posts add small ones, merged 16 at a time, which reach this one
        # only once 16 its size have piled up.
        await connection.execute_query("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
        for trigger in triggers:
            await connection.execute_query(trigger["sql"])
    return total


async def _rebuild_postgres(document: Callable[[str], str], batch: int) -> int:
    """Batch by batch in short transactions, so the forum goes on writing (and searches go on
    finding the old documents until their batch replaces them). A batch's posts and threads
    are locked (FOR SHARE) while it is written: an edit, hide or rename made meanwhile waits
    and then indexes its own change; a post written meanwhile is indexed by its listener."""
    shown = (
        "p.deleted_at IS NULL AND p.hidden_at IS NULL AND NOT p.held"
        " AND t.deleted_at IS NULL AND NOT t.held"
    )
    select = (
        "SELECT p.id, p.thread_id, p.body, t.title FROM post p JOIN thread t ON t.id = p.thread_id"
        f" WHERE p.id > $1 AND {shown} ORDER BY p.id LIMIT $2 FOR SHARE OF p, t"
    )
    upsert = (
        "INSERT INTO search_doc (id, thread_id, title, body) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (id) DO UPDATE SET thread_id = EXCLUDED.thread_id,"
        " title = EXCLUDED.title, body = EXCLUDED.body"
    )
    total, last = 0, 0
    while True:
        async with in_transaction() as connection:
            _, rows = await connection.execute_query(select, [last, batch])
            if not rows:
                # Documents past the last shown post, of posts no longer shown.
                await connection.execute_query(
                    "DELETE FROM search_doc d WHERE d.id > $1 AND NOT EXISTS (SELECT 1 FROM post p"
                    f" JOIN thread t ON t.id = p.thread_id WHERE p.id = d.id AND {shown})",
                    [last],
                )
                return total
            ids = [row[0] for row in rows]
            await connection.execute_many(
                upsert, [(row[0], row[1], document(row[3]), document(row[2])) for row in rows]
            )
            # Documents in this stretch of ids whose posts are no longer shown.
            await connection.execute_query(
                "DELETE FROM search_doc WHERE id > $1 AND id <= $2 AND NOT id = ANY($3::int[])",
                [last, ids[-1], ids],
            )
        total += len(rows)
        last = ids[-1]


# --- Answering a query


@dataclass
class Filters:
    """What the search form narrows results to; every field optional."""

    category: Category | None = None
    author: User | None = None
    tag: Tag | None = None
    since: date | None = None
    until: date | None = None
    status: str = ""


@dataclass
class Hit:
    thread: Thread
    post: Post
    title_hit: bool
    # The title and a piece of the post, the searched words in <mark>, the rest escaped.
    title: Markup = field(default_factory=Markup)
    snippet: Markup = field(default_factory=Markup)


@dataclass
class Results:
    query: text.Query
    hits: list[Hit]
    total: int
    # True when more matched than the window holds: "more than N results".
    more: bool
    page: int
    last_page: int


def _filter_sql(filters: Filters) -> tuple[str, list[Any]]:
    sql: list[str] = [
        "p.deleted_at IS NULL AND p.hidden_at IS NULL AND p.held = ?",
        "t.deleted_at IS NULL AND t.held = ?",
    ]
    params: list[Any] = [False, False]
    if filters.category is not None:
        sql.append("t.category_id = ?")
        params.append(filters.category.id)
    if filters.author is not None:
        sql.append("p.author_id = ?")
        params.append(filters.author.id)
    if filters.tag is not None:
        sql.append("EXISTS (SELECT 1 FROM thread_tag g WHERE g.thread_id = t.id AND g.tag_id = ?)")
        params.append(filters.tag.id)
    if filters.since is not None:
        sql.append("p.created_at >= ?")
        params.append(datetime.combine(filters.since, time(), UTC))
    if filters.until is not None and filters.until < date.max:  # the last day has no day after
        sql.append("p.created_at < ?")
        params.append(datetime.combine(filters.until + timedelta(days=1), time(), UTC))
    if filters.status == "solved":
        sql.append("t.solution_post_id IS NOT NULL")
    elif filters.status == "unanswered":
        sql.append("t.reply_count = 0")
    return " AND ".join(sql), params


def _match_sql(query: text.Query, *, title_only: bool) -> tuple[str, str, list[Any]]:
    """(FROM clause, match condition, its parameters) for this database."""
    if db.dialect() == "postgres":
        document = "d.title" if title_only else "d.title || ' ' || d.body"
        condition = f"to_tsvector('simple'::regconfig, {document}) @@ to_tsquery('simple', ?)"
        params = [text.tsquery(query, positive_only=title_only)]
        if title_only and query.excluded:
            condition += (
                " AND to_tsvector('simple'::regconfig, d.title || ' ' || d.body)"
                " @@ to_tsquery('simple', ?)"
            )
            params.append(text.tsquery(query))
        return "search_doc d JOIN post p ON p.id = d.id", condition, params
    expression = text.fts5(query, column="title" if title_only else "")
    return "search_fts d JOIN post p ON p.id = d.rowid", "search_fts MATCH ?", [expression]


async def _candidates(
    query: text.Query, filters: Filters, *, title_only: bool, limit: int
) -> list[dict[str, Any]]:
    source, condition, params = _match_sql(query, title_only=title_only)
    # Newest matches first, by the index's own key: FTS5 walks its rowids in order and stops
    # at the LIMIT (ordering by the post's id, the same number, sorts every match first).
    newest = "d.rowid" if db.dialect() == "sqlite" else "d.id"
    where, filter_params = _filter_sql(filters)
    if title_only:
        # Every post carries its thread's title: a title match is counted on the opening post.
        where += " AND p.number = 1"
    return await db.fetch(
        f"SELECT p.id AS post_id, p.thread_id, p.created_at,"
        f" t.solution_post_id IS NOT NULL AS solved"
        f" FROM {source} JOIN thread t ON t.id = p.thread_id"
        f" WHERE {condition} AND {where}"
        f" ORDER BY {newest} DESC LIMIT ?",
        *params, *filter_params, limit,
    )  # fmt: skip


def _moment(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    return datetime.fromisoformat(str(value)).timestamp()


async def search(
    raw: str, filters: Filters | None = None, page: int = 1, *, log: bool = True
) -> Results:
    """Threads matching the query, one row per thread with its best matching post, ranked:
    title matches first, then solved threads, then the most recent match."""
    filters = filters or Filters()
    lang = await language()
    query = text.parse(raw, lang)
    if query.empty:
        return Results(query, [], 0, False, 1, 1)
    titles = await _candidates(query, filters, title_only=True, limit=TITLE_CANDIDATES)
    posts = await _candidates(query, filters, title_only=False, limit=CANDIDATES)
    # Per thread: (title hit, solved, most recent match, the post to show). A post whose
    # text matches is shown rather than an opening post found by its title alone.
    best: dict[int, tuple[bool, bool, float, int]] = {}
    for row in titles:
        best[row["thread_id"]] = (True, bool(row["solved"]), 0.0, row["post_id"])
    for row in posts:
        moment = _moment(row["created_at"])
        title_hit, solved, latest, _post = best.get(row["thread_id"], (False, False, -1.0, 0))
        if moment > latest:
            best[row["thread_id"]] = (title_hit, bool(row["solved"]), moment, row["post_id"])
    for row in titles:
        title_hit, solved, latest, post_id = best[row["thread_id"]]
        if not latest:
            best[row["thread_id"]] = (True, solved, _moment(row["created_at"]), post_id)
    ranked = sorted(best.items(), key=lambda item: item[1][:3], reverse=True)
    total = len(ranked)
    last_page = max(1, -(-total // RESULTS_PER_PAGE))
    page = min(max(page, 1), last_page)
    chosen = ranked[(page - 1) * RESULTS_PER_PAGE : page * RESULTS_PER_PAGE]
    hits = await _hits(chosen, query, lang)
    more = len(posts) >= CANDIDATES
    if log and page == 1:
        await record(raw, total)
    return Results(query, hits, total, more, page, last_page)


async def _hits(chosen: list[tuple[int, tuple]], query: text.Query, lang: str) -> list[Hit]:
    if not chosen:
        return []
    post_ids = [rank[3] for _, rank in chosen]
    posts = {
        p.id: p
        for p in await Post.filter(id__in=post_ids).select_related(
            "author", "thread", "thread__category"
        )
    }
    wanted = query.positive_terms
    hits = []
    for _, (title_hit, _solved, _moment, post_id) in chosen:
        post = posts.get(post_id)
        if post is None:
            continue
        plain = markup.excerpt(post.html, length=100_000)
        title = text.snippet(post.thread.title, wanted, lang, length=10_000)
        hits.append(Hit(post.thread, post, title_hit, title, text.snippet(plain, wanted, lang)))
    return hits


# --- Similar threads


async def similar_threads(title: str, limit: int = SIMILAR_LIMIT, exclude: int = 0) -> list[Thread]:
    """Threads whose titles share the most words with this one (solved ones first among
    equals): what a member about to ask should read first."""
    lang = await language()
    words = [t for t in dict.fromkeys(text.terms(title, lang)) if t not in text.STOPWORDS]
    words = [t for t in words if len(t) > 1][: text.MAX_QUERY_TERMS]
    if not words:
        return []
    ids = await _similar_ids(text.any_of(words), limit + 1)
    return await _visible_threads([i for i in ids if i != exclude][:limit])


async def related_threads(thread_ids: list[int], limit: int = 10) -> list[int]:
    """Visible threads like these ones (by the words of their titles), best first, the given
    ones left out: the "For you" list's "like a thread you replied to"."""
    if not thread_ids:
        return []
    lang = await language()
    titles = await Thread.filter(id__in=thread_ids).values_list("title", flat=True)
    words: list[str] = []
    for title in titles:
        words += [t for t in text.terms(title, lang) if t not in text.STOPWORDS and len(t) > 1]
    words = list(dict.fromkeys(words))[: text.MAX_QUERY_TERMS * 2]
    if not words:
        return []
    ids = await _similar_ids(text.any_of(words), limit + len(thread_ids))
    given = set(thread_ids)
    visible = await _visible_threads([i for i in ids if i not in given])
    return [thread.id for thread in visible][:limit]


async def _similar_ids(query: text.Query, limit: int) -> list[int]:
    """Thread ids ranked by how well their titles match any of the query's words (bm25 on
    SQLite, ts_rank on PostgreSQL), from at most TITLE_CANDIDATES recent title matches."""
    if db.dialect() == "postgres":
        rows = await db.fetch(
            "SELECT thread_id FROM ("
            " SELECT d.thread_id, d.id, ts_rank(to_tsvector('simple'::regconfig, d.title),"
            " to_tsquery('simple', ?)) AS score FROM search_doc d JOIN post p ON p.id = d.id"
            " WHERE to_tsvector('simple'::regconfig, d.title) @@ to_tsquery('simple', ?)"
            " AND p.number = 1"
            " ORDER BY d.id DESC LIMIT ?) recent ORDER BY score DESC, id DESC LIMIT ?",
            text.tsquery_any(query), text.tsquery_any(query), TITLE_CANDIDATES, limit,
        )  # fmt: skip
    else:
        rows = await db.fetch(
            "SELECT thread_id FROM ("
            " SELECT d.rowid AS id, p.thread_id, bm25(search_fts, 10.0, 1.0) AS score"
            " FROM search_fts d JOIN post p ON p.id = d.rowid"
            " WHERE search_fts MATCH ? AND p.number = 1 ORDER BY d.rowid DESC LIMIT ?)"
            " ORDER BY score, id DESC LIMIT ?",
            text.fts5_any(query, "title"), TITLE_CANDIDATES, limit,
        )  # fmt: skip
    return [row["thread_id"] for row in rows]


async def _visible_threads(ids: list[int]) -> list[Thread]:
    if not ids:
        return []
    rows = await Thread.filter(id__in=ids, deleted_at__isnull=True, held=False).select_related(
        "category"
    )
    by_id = {thread.id: thread for thread in rows}
    return [by_id[i] for i in ids if i in by_id]


# --- The anonymised log


def normalise(raw: str) -> str:
    """How a query is logged: lower-case, spaces collapsed, at most 200 characters."""
    return " ".join(raw.lower().split())[:200]


async def record(raw: str, results: int) -> None:
    """Log a search with no member, session or address attached."""
    query = normalise(raw)
    if query:
        await SearchLog.create(query=query, results=results)


@dataclass
class Popular:
    query: str
    count: int


async def top_searches(
    days: int = LOG_DAYS, limit: int = 10, *, empty: bool = False
) -> list[Popular]:
    """The most asked searches of the period; with `empty`, those that found nothing."""
    since = datetime.now(UTC) - timedelta(days=days)
    condition = " AND results = 0" if empty else ""
    rows = await db.fetch(
        f"SELECT query, COUNT(*) AS n FROM search_log WHERE created_at >= ?{condition}"
        f" GROUP BY query ORDER BY n DESC, query LIMIT ?",
        since, limit,
    )  # fmt: skip
    return [Popular(row["query"], row["n"]) for row in rows]


async def prune_log(days: int = 365) -> int:
    """Searches older than a year say nothing about today's questions."""
    return await SearchLog.filter(created_at__lt=datetime.now(UTC) - timedelta(days=days)).delete()
