"""The blog as readers see it: only published posts, newest first a page at a time, each with
its byline, discussion link and link previews, and the blog's RSS and Atom feeds."""

from datetime import UTC, datetime, timedelta

import pytest

from forum import pagecache
from forum.blog import service
from forum.blog.models import GuestPost
from forum.settings import settings
from forum.threads.models import Thread
from tests.blog.test_editors import post_in, published
from tests.conftest import make_reply, make_user
from tests.feeds.conftest import KINDS, entry_html, read


async def test_the_blog_lists_published_posts_newest_first_ten_a_page(client, database):
    editor, author = await make_user("chief", role="manager"), await make_user("writer")
    start = datetime.now(UTC) - timedelta(days=30)
    for number in range(12):
        post = await published(editor, author, title=f"Guest post number {number:02d}")
        await GuestPost.filter(id=post.id).update(published_at=start + timedelta(days=number))
    for state in ("drafting", "approved", "scheduled", "unpublished"):
        await post_in(state, author, title=f"Not public while {state}")

    first = await client.get("/blog")
    assert first.status_code == 200
    titles = [f"Guest post number {n:02d}" for n in range(11, -1, -1)]
    positions = [first.text.find(title) for title in titles[:10]]
    assert all(p > 0 for p in positions) and positions == sorted(positions)
    assert titles[10] not in first.text and "Not public while" not in first.text
    assert 'href="/blog?page=2" rel="next"' in first.text
    assert "1 minute read" in first.text and "writer" in first.text
    second = await client.get("/blog?page=2")
    assert titles[10] in second.text and titles[11] in second.text and titles[9] not in second.text
    assert (await client.get("/blog?page=3")).status_code == 404
    # Autodiscovery of the blog's feeds.
    assert '<link rel="alternate" type="application/rss+xml"' in first.text
    assert 'href="/feeds/blog.rss"' in first.text and 'href="/feeds/blog.atom"' in first.text


async def test_an_empty_blog_says_so(client, database):
    response = await client.get("/blog")
    assert response.status_code == 200 and "Nothing is published on the blog yet." in response.text
    assert 'href="/blog"' in response.text  # the main navigation


@pytest.mark.parametrize(
    "state", ["invited", "drafting", "submitted", "approved", "scheduled", "unpublished",
              "withdrawn", "rejected"],
)  # fmt: skip
async def test_a_post_that_is_not_published_is_never_public(client, database, state):
    author = await make_user("writer")
    await post_in(state, author, slug="kept-slug", html="<p>Secret text</p>")
    assert (await client.get("/blog/kept-slug")).status_code == 404
    assert "Secret text" not in (await client.get("/blog")).text
    for kind in KINDS:
        assert read(await client.get(f"/feeds/blog.{kind}")).entries == []


async def test_an_unknown_slug_is_not_found(client, database):
    assert (await client.get("/blog/no-such-post")).status_code == 404


async def test_a_post_shows_its_byline_discussion_and_link_previews(client, database):
    editor, author = await make_user("chief", role="manager"), await make_user("writer")
    await author.update_from_dict({"display_name": "Wanda Writer"}).save()
    post = await published(editor, author)
    await GuestPost.filter(id=post.id).update(cover="abc123.png")
    thread = await Thread.get(id=post.thread_id).select_related("category")
    await make_reply(thread, await make_user("reader"), "Lovely post, thank you!")

    page = (await client.get("/blog/lighting-a-reading-corner")).text
    assert '<a href="/u/writer">Wanda Writer</a>' in page
    assert 'href="/badges/guest-author"' in page  # publishing earned the badge
    assert '<span class="tier">' in page and "1 minute read" in page
    assert 'src="/uploads/covers/abc123.png"' in page
    assert "Discuss this post in the forum (1 reply)" in page and f'href="/t/{thread.id}"' in page
    base = settings.base_url.rstrip("/")
    assert f'<meta property="og:url" content="{base}/blog/lighting-a-reading-corner">' in page
    assert '<meta property="og:type" content="article">' in page
    assert '<meta property="og:title" content="Lighting a reading corner">' in page
    assert f'<meta property="og:image" content="{base}/uploads/covers/abc123.png">' in page
    assert 'content="Three setups that our members love.">' in page
    assert 'href="/feeds/blog.rss"' in page


@pytest.mark.parametrize("kind", KINDS)
async def test_the_blog_feed_holds_published_posts_with_their_authors(client, database, kind):
    editor, author = await make_user("chief", role="manager"), await make_user("writer")
    older = await published(editor, author, title="The first guest post")
    await GuestPost.filter(id=older.id).update(published_at=datetime.now(UTC) - timedelta(days=2))
    await published(editor, author, title="The second guest post")
    await post_in("approved", author, title="Approved but waiting")

    feed = read(await client.get(f"/feeds/blog.{kind}"))
    assert [entry.title for entry in feed.entries] == [
        "The second guest post",
        "The first guest post",
    ]
    entry = feed.entries[0]
    assert entry.link == f"{settings.base_url}/blog/the-second-guest-post"
    assert entry.author == "writer"
    assert "warm light from behind the shoulder" in entry_html(entry)
    assert feed.feed.link == f"{settings.base_url}/blog"


async def test_the_blog_feed_answers_conditional_requests_and_changes_with_a_correction(
    client, database
):
    editor, author = await make_user("chief", role="manager"), await make_user("writer")
    post = await published(editor, author)
    first = await client.get("/feeds/blog.atom")
    etag = first.headers["etag"]
    again = await client.get("/feeds/blog.atom", headers={"If-None-Match": etag})
    assert again.status_code == 304
    await service.propose_correction(post, author, title="Lighting a reading corner, revised",
                                     summary="Three setups that our members love.",
                                     body=post.body + " Revised.")  # fmt: skip
    await service.decide_correction(post, editor, apply=True)
    await pagecache.bump()  # written behind the app's back, as the worker would
    changed = await client.get("/feeds/blog.atom", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert read(changed).entries[0].title == "Lighting a reading corner, revised"
