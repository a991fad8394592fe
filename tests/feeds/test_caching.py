"""Feed readers poll: an unchanged feed answers 304, and any feed costs a fixed few queries."""

from datetime import timedelta

import pytest

from forum import pagecache
from forum.threads import service as threads
from forum.threads.models import Post
from tests.conftest import count_queries, make_reply, make_thread, make_user
from tests.feeds.conftest import KINDS, read


@pytest.mark.parametrize("kind", KINDS)
async def test_an_unchanged_feed_answers_304_to_either_validator(client, member, kind):
    thread = await make_thread(member)
    url = f"/feeds/t/{thread.id}.{kind}"
    first = await client.get(url)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    for headers in ({"if-none-match": etag}, {"if-modified-since": modified}):
        again = await client.get(url, headers=headers)
        assert again.status_code == 304 and again.content == b"", headers
        assert again.headers["etag"] == etag
    stale = await client.get(url, headers={"if-none-match": 'W/"something-older"'})
    assert stale.status_code == 200 and stale.content == first.content


async def test_the_rss_and_atom_documents_have_their_own_etags(client, member):
    await make_thread(member)
    rss = await client.get("/feeds/latest.rss")
    atom = await client.get("/feeds/latest.atom")
    assert rss.headers["etag"] != atom.headers["etag"]
    crossed = await client.get("/feeds/latest.atom", headers={"if-none-match": rss.headers["etag"]})
    assert crossed.status_code == 200


@pytest.mark.parametrize("kind", KINDS)
async def test_a_new_reply_an_edit_or_a_rename_changes_the_etag(client, member, kind):
    thread = await make_thread(member)
    url = f"/feeds/t/{thread.id}.{kind}"
    seen = [(await client.get(url)).headers["etag"]]
    await make_reply(thread, member, "A new reply")
    response = await client.get(url, headers={"if-none-match": seen[-1]})
    assert response.status_code == 200 and len(read(response).entries) == 2
    seen.append(response.headers["etag"])
    first = await threads.get_post((await threads.thread_page(thread, 1))[0].id)
    await threads.edit_post(first, member, body="Edited words")
    await pagecache.bump()  # written behind the app's back, as the worker would
    seen.append((await client.get(url, headers={"if-none-match": seen[-1]})).headers["etag"])
    await threads.rename_thread(thread, "Renamed thread")
    await pagecache.bump()
    response = await client.get(url, headers={"if-none-match": seen[-1]})
    assert response.status_code == 200 and read(response).entries[-1].title == "Renamed thread"
    seen.append(response.headers["etag"])
    assert len(set(seen)) == 4


async def test_a_newer_reply_moves_last_modified_forward(client, member):
    thread = await make_thread(member)
    # The opening post was written a year ago, so "now" is a later second than it.
    await Post.filter(thread_id=thread.id).update(
        created_at=thread.created_at - timedelta(days=365)
    )
    before = (await client.get("/feeds/u/ana.rss")).headers["last-modified"]
    await make_reply(thread, member, "Much later")
    after = await client.get("/feeds/u/ana.rss", headers={"if-modified-since": before})
    assert after.status_code == 200 and after.headers["last-modified"] != before


async def _queries(client, url: str, **headers: str) -> int:
    """The queries of a guest's feed when it is not cached (the first read after a write)."""
    await pagecache.bump()
    with count_queries() as statements:
        response = await client.get(url, headers=headers)
    assert response.status_code in (200, 304), url
    return len(statements)


async def test_each_feed_costs_the_same_few_queries_for_3_or_30_items(client, member):
    """No N+1: the subject, then one query for the items with their threads and authors."""
    thread = await make_thread(member, title="Busy thread")
    authors = [await make_user() for _ in range(5)]
    urls = {  # feed -> queries: the content version, the subject's lookup (none for latest),
        # then the items
        "/feeds/latest.rss": 2,
        "/feeds/c/general.atom": 3,
        f"/feeds/t/{thread.id}.rss": 3,
        "/feeds/u/ana.atom": 3,
    }
    await client.get("/feeds/latest.rss")  # the community's settings are cached after this
    for number in range(2):
        await make_reply(thread, authors[number], f"Reply {number}")
    few = {url: await _queries(client, url) for url in urls}
    for number in range(30):
        await make_thread(authors[number % 5], title=f"Thread number {number}")
        await make_reply(thread, authors[number % 5], f"More {number}")
        await make_reply(thread, member, f"Mine {number}")
    many = {url: await _queries(client, url) for url in urls}
    assert few == many == urls
    for url in urls:
        assert len(read(await client.get(url)).entries) == 30
        etag = (await client.get(url)).headers["etag"]
        assert await _queries(client, url, **{"if-none-match": etag}) == urls[url]
