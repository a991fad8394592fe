"""Pages for reading and writing: latest, categories, threads, posts and member profiles."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from forum import markup, pagecache
from forum import permissions as can
from forum.accounts import service as accounts
from forum.forms import Invalid
from forum.pagecache import guest_cached
from forum.permissions import ensure
from forum.search import service as search
from forum.threads import bookmarks, service
from forum.threads import tags as tagging
from forum.threads.models import Category, Post, Thread
from forum.web import field, form_data, id_param, not_found, page_number, redirect, render


async def latest(request: Request, extra: dict[str, Any] | None = None) -> Response:
    """/latest, and / for guests (the home page adds `extra` for members)."""
    cursor = request.query_params.get("after")
    listing = await service.latest_threads(cursor=cursor)
    pinned = [] if cursor else await service.pinned_threads()
    pinned_ids = {thread.id for thread in pinned}
    return await render(
        request, "threads/latest.html",
        {"pinned": pinned, "threads": [t for t in listing.threads if t.id not in pinned_ids],
         "next_cursor": listing.next_cursor, **(extra or {})},
    )  # fmt: skip


async def category_list(request: Request) -> Response:
    everything = await service.categories(include_archived=True)
    return await render(
        request, "threads/categories.html",
        {"open": [c for c in everything if not c.archived],
         "archived": [c for c in everything if c.archived]},
    )  # fmt: skip


async def category_page(request: Request) -> Response:
    category = await Category.filter(slug=request.path_params["slug"]).first()
    if category is None:
        raise not_found()
    cursor = request.query_params.get("after")
    # A kind of category may list itself in other orders (ideas: top voted, by status).
    lister = service.category_listers.get(category.kind)
    listing = await lister(category, request.query_params) if lister else None
    if listing is None:
        listing = await service.latest_threads(category, cursor=cursor)
        pinned = [] if cursor else await service.pinned_threads(category)
    else:
        pinned = []
    pinned_ids = {thread.id for thread in pinned}
    return await render(
        request, "threads/category.html",
        {"category": category, "pinned": pinned,
         "threads": [t for t in listing.threads if t.id not in pinned_ids],
         "next_cursor": listing.next_cursor,
         "typical_response": await service.typical_first_response(category)},
    )  # fmt: skip


async def thread_or_404(request: Request, shared: bool = False) -> Thread:
    """The thread the path names, if this reader may see it (other features' routes use it).
    `shared`: read once per content version for every reader (the page only reads it)."""
    thread_id = request.path_params["thread_id"]
    if shared:
        thread = await pagecache.shared(
            request.scope, ("thread", thread_id), lambda: service.get_thread(thread_id)
        )
    else:
        thread = await service.get_thread(thread_id)
    if thread is None or (thread.held and not can.view_held(request.user, thread)):
        raise not_found()
    return thread


async def thread_page(request: Request) -> Response:
    try:
        thread = await thread_or_404(request, shared=True)
    except HTTPException:
        # A thread merged into another sends its old links there; staff still read (and can
        # restore) a deleted one.
        merged = await service.merged_into(request.path_params["thread_id"])
        if merged is not None:
            return RedirectResponse(f"/t/{merged}", status_code=301)
        if not can.view_deleted(request.user):
            raise
        thread = await service.get_thread(request.path_params["thread_id"], with_deleted=True)
        if thread is None:
            raise
    if request.path_params.get("slug") != thread.slug:
        # Any old or missing slug still finds the thread by its id.
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(thread.url + query, status_code=301)
    page = page_number(request, thread.page_count)
    return await _render_thread(request, thread, page, form={}, errors={})


async def _render_thread(
    request: Request, thread: Thread, page: int, *, form: dict, errors: dict, status: int = 200
) -> Response:
    # The same posts for every reader until the next write; what is the reader's own (likes,
    # bookmarks, read position) is read below.
    posts = await pagecache.shared(
        request.scope, ("posts", thread.id, page), lambda: service.thread_page(thread, page)
    )
    for post in posts:
        post.thread = thread
    # The member's likes and bookmarks on the page, in one read.
    marks = await bookmarks.post_marks(request.user, posts)
    service.count_view(thread.id)
    return await render(
        request, "threads/thread.html",
        {"thread": thread, "posts": posts, "page": page, "liked": marks.liked,
         "bookmarked": marks.bookmarked, "form": form, "errors": errors},
        status,
    )  # fmt: skip


async def new_thread(request: Request) -> Response:
    if not request.user.is_authenticated:
        return redirect("/login?next=/t/new")
    choices = [c for c in await service.categories() if can.start_thread(request.user, c)]
    ensure(bool(choices))
    values = {"category": request.query_params.get("category", ""), "title": "", "body": ""}
    values["add_poll"] = ""  # "1": go on to add a poll to the new thread
    chosen_tags: list[str] = []  # slugs of the curated tags ticked (field `tags`, repeated)
    errors: dict[str, str] = {}
    similar = None
    if request.method == "POST":
        form = await form_data(request)
        values = {name: field(form, name) for name in values}
        chosen_tags = [slug for slug in form.getlist("tags") if isinstance(slug, str)]
        if field(form, "check"):
            # "Check for similar threads" without JavaScript: nothing is posted; the same form
            # comes back with the threads like its title.
            similar = await search.similar_threads(values["title"])
        else:
            try:
                thread = await service.start_thread(
                    request.user, category_id=values["category"], title=values["title"],
                    body=values["body"], tags=chosen_tags,
                )  # fmt: skip
                return redirect(f"/t/{thread.id}/poll" if values["add_poll"] else thread.url)
            except Invalid as error:
                errors = error.errors
    return await render(
        request, "threads/new.html",
        {"categories": choices, "form": values, "errors": errors, "similar": similar,
         "checked": similar is not None, "tags": await tagging.all_tags(),
         "chosen_tags": chosen_tags},
        400 if errors else 200,
    )  # fmt: skip


async def reply(request: Request) -> Response:
    thread = await thread_or_404(request)
    ensure(can.reply(request.user, thread))
    if request.method == "GET":
        # The reply page without JavaScript: the form, with a quoted post when asked.
        body = ""
        if quoted := id_param(request.query_params.get("quote")):
            post = await service.get_post(quoted)
            if post and post.thread_id == thread.id and not post.deleted_at:
                body = markup.quote(post.author.username, post.body)
        return await render(
            request, "threads/reply.html", {"thread": thread, "form": {"body": body}, "errors": {}}
        )
    form = await form_data(request)
    # Staff mark a reply as the follow-up to the thread's poll (polls/_follow_up_field.html).
    follow_up = field(form, "poll_follow_up") == "1"
    try:
        post = await service.reply(thread, request.user, field(form, "body"), follow_up=follow_up)
    except Invalid as error:
        return await render(
            request, "threads/reply.html",
            {"thread": thread, "form": {"body": field(form, "body"), "poll_follow_up": follow_up},
             "errors": error.errors}, 400,
        )  # fmt: skip
    return redirect(post.url)


async def post_or_404(request: Request) -> Post:
    """The post the path names, if this reader may see it (other features' routes use it)."""
    post = await service.get_post(request.path_params["post_id"])
    if post is None or (post.held and not can.view_held(request.user, post)):
        raise not_found()
    return post


async def post_link(request: Request) -> Response:
    post = await post_or_404(request)
    return redirect(post.url)


async def edit_post(request: Request) -> Response:
    post = await post_or_404(request)
    ensure(can.edit_post(request.user, post))
    thread = post.thread
    values = {"title": thread.title, "body": post.body, "reason": ""}
    # The opening post's form also holds the thread's tags, for its author and staff.
    taggable = post.number == 1 and can.choose_tags(request.user, thread)
    chosen_tags = thread.tags.split()
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = await form_data(request)
        values = {name: field(form, name) for name in values}
        # Only a form that showed the tags changes them (none ticked then means none).
        tags_shown = taggable and field(form, "tags_shown") == "1"
        if tags_shown:
            chosen_tags = [slug for slug in form.getlist("tags") if isinstance(slug, str)]
        try:
            await service.edit_post(
                post, request.user, body=values["body"],
                title=values["title"] if post.number == 1 else None, reason=values["reason"],
                tags=chosen_tags if tags_shown else None,
            )  # fmt: skip
            return redirect(post.url)
        except Invalid as error:
            errors = error.errors
    return await render(
        request, "threads/edit.html",
        {"post": post, "form": values, "errors": errors,
         "tags": await tagging.all_tags() if taggable else [], "chosen_tags": chosen_tags},
        400 if errors else 200,
    )  # fmt: skip


async def delete_post(request: Request) -> Response:
    post = await post_or_404(request)
    ensure(can.delete_post(request.user, post))
    await service.delete_post(post, request.user)
    return redirect(post.thread.category.url if post.number == 1 else post.url)


async def like_post(request: Request) -> Response:
    post = await post_or_404(request)
    ensure(can.like(request.user, post))
    await service.like(post, request.user)
    return redirect(post.url)


async def unlike_post(request: Request) -> Response:
    post = await post_or_404(request)
    ensure(can.signed_in(request.user))
    await service.unlike(post, request.user)
    return redirect(post.url)


async def mark_solution(request: Request) -> Response:
    post = await post_or_404(request)
    ensure(can.mark_solution(request.user, post.thread))
    try:
        await service.mark_solution(post, request.user)
    except Invalid:
        raise not_found() from None
    return redirect(post.url)


async def unmark_solution(request: Request) -> Response:
    thread = await thread_or_404(request)
    ensure(can.mark_solution(request.user, thread))
    await service.unmark_solution(thread, request.user)
    return redirect(thread.url)


async def post_revisions(request: Request) -> Response:
    post = await post_or_404(request)
    ensure(can.view_revisions(request.user, post))
    return await render(
        request, "threads/revisions.html",
        {"post": post, "revisions": await service.revisions(post)},
    )  # fmt: skip


async def user_profile(request: Request) -> Response:
    member = await accounts.get_by_username(request.path_params["username"])
    if member is None:
        raise not_found()
    if member.username != request.path_params["username"]:
        return RedirectResponse(member.url, status_code=301)
    return await render(
        request, "threads/profile.html",
        {"member": member, "profile_of": member, "posts": await service.recent_posts_by(member),
         "post_count": await service.post_count_by(member)},
    )  # fmt: skip


def _count_view(request: Request) -> None:
    """A guest read a cached thread page: it counts as a view all the same."""
    service.count_view(request.path_params["thread_id"])


routes = [
    # "/" is the home page (forum/interests/routes.py): the latest list, or "For you".
    Route("/latest", guest_cached(latest)),
    Route("/categories", guest_cached(category_list)),
    Route("/c/{slug}", guest_cached(category_page)),
    Route("/t/new", new_thread, methods=["GET", "POST"]),
    Route("/t/{thread_id:int}", guest_cached(thread_page, on_hit=_count_view)),
    Route("/t/{thread_id:int}/reply", reply, methods=["GET", "POST"]),
    Route("/t/{thread_id:int}/unsolve", unmark_solution, methods=["POST"]),
    Route("/t/{thread_id:int}/{slug}", guest_cached(thread_page, on_hit=_count_view)),
    Route("/p/{post_id:int}", post_link),
    Route("/p/{post_id:int}/edit", edit_post, methods=["GET", "POST"]),
    Route("/p/{post_id:int}/delete", delete_post, methods=["POST"]),
    Route("/p/{post_id:int}/like", like_post, methods=["POST"]),
    Route("/p/{post_id:int}/unlike", unlike_post, methods=["POST"]),
    Route("/p/{post_id:int}/solve", mark_solution, methods=["POST"]),
    Route("/p/{post_id:int}/revisions", post_revisions),
    Route("/u/{username}", guest_cached(user_profile)),
]
