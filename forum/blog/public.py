"""The brand's blog, open to everyone: the list of published guest posts (/blog), each post
(/blog/<slug>) and the blog's RSS and Atom feeds (/feeds/blog.rss, /feeds/blog.atom).

Only a post whose state is `published` is ever shown: a draft, a scheduled or an unpublished
post is a 404 here and absent from the list and the feeds.
"""

from __future__ import annotations

from math import ceil
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum.advocacy.service import badge_name
from forum.blog import board, service
from forum.feeds import routes as feeds
from forum.pagecache import guest_cached
from forum.settings import settings
from forum.threads import service as threads
from forum.web import not_found, page_number, render

FEED_PATH = "/feeds/blog"


async def blog(request: Request) -> Response:
    count = await board.published_count()
    last_page = max(1, ceil(count / board.POSTS_PER_PAGE))
    page = page_number(request, last_page)
    posts = await board.published_page(page)
    return await render(
        request, "blog/blog_list.html",
        {"posts": posts, "tiers": await board.tiers([post.author for post in posts]),
         "cover_url": service.cover_url, "minutes": service.reading_minutes,
         "page": page, "last_page": last_page, "feed_url": FEED_PATH},
    )  # fmt: skip


async def blog_post(request: Request) -> Response:
    post = await board.published_by_slug(request.path_params["slug"])
    if post is None:
        raise not_found()
    thread = await threads.get_thread(post.thread_id) if post.thread_id else None
    base = settings.base_url.rstrip("/")
    cover = service.cover_url(post)
    return await render(
        request, "blog/blog_post.html",
        {"post": post, "article": post, "html": post.html, "cover": cover,
         "byline": await service.byline(post), "badge_name": badge_name,
         "published_at": post.published_at, "minutes": service.reading_minutes(post),
         "thread": thread if thread and not thread.held else None,
         # Absolute, for the link previews of the sites the post is shared on.
         "page_url": f"{base}/blog/{quote(post.slug or '')}",
         "image_url": f"{base}{cover}" if cover else "", "feed_url": FEED_PATH},
    )  # fmt: skip


async def blog_feed(request: Request) -> Response:
    # The feeds' own answer: the community's language, ETag and Last-Modified, 304s.
    return await feeds.answer(request, board.blog_feed())


routes = [
    Route("/blog", guest_cached(blog)),
    Route("/blog/{slug}", guest_cached(blog_post)),
    Route(f"{FEED_PATH}.rss", guest_cached(blog_feed)),
    Route(f"{FEED_PATH}.atom", guest_cached(blog_feed)),
]
