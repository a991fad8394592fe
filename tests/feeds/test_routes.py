"""The feeds a reader subscribes to: valid RSS and Atom, newest first, absolute and stable."""

import xml.etree.ElementTree as ET
from datetime import datetime
from email.utils import parsedate_to_datetime

import pytest

from forum import pagecache
from forum.settings import settings
from forum.site import models as site
from forum.threads import service as threads
from tests.conftest import login, make_category, make_reply, make_thread
from tests.feeds.conftest import KINDS, entry_html, read
from tests.test_xss import _Elements

FEEDS = ["/feeds/latest", "/feeds/c/general", "/feeds/t/{thread}", "/feeds/u/ana"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("feed", FEEDS)
async def test_every_feed_is_a_valid_document_with_its_media_type(client, member, feed, kind):
    thread = await make_thread(member, title="Firmware 2.1 feedback", body="Works **great**")
    await make_reply(thread, member, "And the battery lasts longer")
    response = await client.get(f"{feed.format(thread=thread.id)}.{kind}")
    parsed = read(response)
    assert response.headers["content-type"] == f"application/{kind}+xml; charset=utf-8"
    assert parsed.entries and parsed.feed.title
    assert any(entry.title == "Firmware 2.1 feedback" for entry in parsed.entries)


@pytest.mark.parametrize("kind", KINDS)
async def test_the_latest_feed_has_one_item_per_thread_newest_first_with_its_opening_post(
    client, member, other_member, kind
):
    first = await make_thread(member, title="Oldest question", body="The *first* words")
    await make_thread(other_member, title="Middle question")
    await make_thread(member, title="Newest question")
    await make_reply(first, other_member, "A reply does not make a new item")
    parsed = read(await client.get(f"/feeds/latest.{kind}"))
    assert [e.title for e in parsed.entries] == [
        "Newest question",
        "Middle question",
        "Oldest question",
    ]
    assert entry_html(parsed.entries[2]) == "<p>The <em>first</em> words</p>"
    assert parsed.entries[1].author == "boris"


@pytest.mark.parametrize("kind", KINDS)
async def test_a_category_feed_holds_only_its_own_threads(client, member, kind):
    support = await make_category(name="Support")
    await make_thread(member, title="In general")
    await make_thread(member, title="In support", category=support)
    parsed = read(await client.get(f"/feeds/c/{support.slug}.{kind}"))
    assert [e.title for e in parsed.entries] == ["In support"]
    assert "Support" in parsed.feed.title


@pytest.mark.parametrize("kind", KINDS)
async def test_a_thread_feed_lists_its_newest_posts_first(client, member, other_member, kind):
    thread = await make_thread(member, title="Battery drains fast", body="Since the update")
    await make_reply(thread, other_member, "Turn off **sync**")
    await make_reply(thread, member, "That fixed it")
    parsed = read(await client.get(f"/feeds/t/{thread.id}.{kind}"))
    assert [(e.author, entry_html(e)) for e in parsed.entries] == [
        ("ana", "<p>That fixed it</p>"),
        ("boris", "<p>Turn off <strong>sync</strong></p>"),
        ("ana", "<p>Since the update</p>"),
    ]
    assert [e.title for e in parsed.entries] == [
        "Re: Battery drains fast",
        "Re: Battery drains fast",
        "Battery drains fast",
    ]


@pytest.mark.parametrize("kind", KINDS)
async def test_a_member_feed_holds_their_posts_and_nobody_elses(client, member, other_member, kind):
    thread = await make_thread(other_member, title="Where is the manual")
    await make_reply(thread, member, "On page two of the box")
    await make_reply(thread, other_member, "Thanks")
    parsed = read(await client.get(f"/feeds/u/ana.{kind}"))
    assert [(e.title, entry_html(e)) for e in parsed.entries] == [
        ("Re: Where is the manual", "<p>On page two of the box</p>")
    ]


async def test_a_feed_holds_at_most_thirty_items(client, member):
    thread = await make_thread(member)
    for number in range(35):
        await make_reply(thread, member, f"Reply number {number}")
    parsed = read(await client.get(f"/feeds/t/{thread.id}.atom"))
    assert len(parsed.entries) == 30
    assert entry_html(parsed.entries[0]) == "<p>Reply number 34</p>"


@pytest.mark.parametrize("kind", KINDS)
async def test_links_are_absolute_under_base_url_and_the_feed_links_itself(
    client, member, monkeypatch, kind
):
    monkeypatch.setattr(settings, "base_url", "https://forum.example.com")
    thread = await make_thread(member, title="Pairing the headset")
    reply = await make_reply(thread, member, "Ask @ana, she knows")
    parsed = read(await client.get(f"/feeds/t/{thread.id}.{kind}"))
    self_links = [link.href for link in parsed.feed.links if link.rel == "self"]
    assert self_links == [f"https://forum.example.com/feeds/t/{thread.id}.{kind}"]
    assert parsed.feed.link == f"https://forum.example.com/t/{thread.id}/pairing-the-headset"
    newest = parsed.entries[0]
    assert newest.link == f"https://forum.example.com/t/{thread.id}/pairing-the-headset#p2"
    assert newest.id == f"https://forum.example.com/p/{reply.id}"
    # The @mention, a link to a profile on this site, works from inside a feed reader too.
    assert 'href="https://forum.example.com/u/ana"' in entry_html(newest)


@pytest.mark.parametrize("kind", KINDS)
async def test_ids_stay_the_same_when_a_thread_is_renamed_or_moved(client, member, kind):
    thread = await make_thread(member, title="Original title")
    await make_reply(thread, member, "A reply")
    urls = (f"/feeds/t/{thread.id}.{kind}", f"/feeds/latest.{kind}", f"/feeds/u/ana.{kind}")
    before = [[e.id for e in read(await client.get(url)).entries] for url in urls]
    await threads.rename_thread(thread, "A much better title")
    await threads.move_thread(thread, await make_category(name="Elsewhere"))
    await pagecache.bump()  # written behind the app's back, as the worker would
    after = [read(await client.get(url)).entries for url in urls]
    assert [[e.id for e in entries] for entries in after] == before
    assert after[1][0].title == "A much better title"
    assert after[1][0].link.endswith(f"/t/{thread.id}/a-much-better-title")


async def test_dates_carry_their_time_zone_rfc_822_in_rss_and_rfc_3339_in_atom(client, member):
    thread = await make_thread(member)
    created = thread.created_at.replace(microsecond=0)
    rss = ET.fromstring((await client.get(f"/feeds/t/{thread.id}.rss")).content)
    published = rss.find("channel/item/pubDate").text
    assert parsedate_to_datetime(published) == created and published.endswith(" GMT")
    atom = ET.fromstring((await client.get(f"/feeds/t/{thread.id}.atom")).content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    for tag in ("a:updated", "a:entry/a:published", "a:entry/a:updated"):
        moment = datetime.fromisoformat(atom.find(tag, ns).text)
        assert moment.tzinfo is not None and moment == created, tag


async def test_an_edit_moves_the_items_updated_date_but_not_its_publication(client, member):
    thread = await make_thread(member, body="Before the edit")
    post = await threads.get_post((await threads.thread_page(thread, 1))[0].id)
    await threads.edit_post(post, member, body="After the edit")
    entry = read(await client.get(f"/feeds/t/{thread.id}.atom")).entries[0]
    assert entry_html(entry) == "<p>After the edit</p>"
    assert datetime.fromisoformat(entry.updated) == post.edited_at.replace(microsecond=0)
    assert datetime.fromisoformat(entry.published) == thread.created_at.replace(microsecond=0)


@pytest.mark.parametrize(
    "url", ["/feeds/c/nowhere.rss", "/feeds/t/999.atom", "/feeds/u/nobody.rss", "/feeds/t/x.rss"]
)
async def test_an_unknown_category_thread_or_member_is_the_404_page(client, database, url):
    response = await client.get(url)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Page not found" in response.text


async def test_a_member_feed_asked_for_in_another_case_redirects_to_the_one_address(client, member):
    response = await client.get("/feeds/u/ANA.atom")
    assert response.status_code == 301 and response.headers["location"] == "/feeds/u/ana.atom"


async def test_feeds_speak_the_communitys_language_and_name_whatever_the_reader_asks(
    client, member
):
    await site.set_value("language", "tr")
    await site.set_value("name", "Acme Owners")
    await make_thread(member)
    await login(client, member)
    headers = {"accept-language": "ru"}
    rss = read(await client.get("/feeds/latest.rss", headers=headers))
    atom = read(await client.get("/feeds/latest.atom", headers=headers))
    assert rss.feed.language == atom.feed.language == "tr"
    assert "Acme Owners" in rss.feed.title and "Acme Owners" in atom.feed.title


def _feed_links(html: str) -> dict[str, str]:
    parser = _Elements()
    parser.feed(html)
    return {
        attrs["type"]: attrs["href"]
        for tag, attrs in parser.found
        if tag == "link" and attrs.get("rel") == "alternate"
    }


async def test_each_page_with_a_feed_announces_it_to_browsers_and_feed_readers(client, member):
    thread = await make_thread(member, title="Announced in the head")
    pages = {
        "/": "/feeds/latest",
        "/c/general": "/feeds/c/general",
        thread.url: f"/feeds/t/{thread.id}",
        "/u/ana": "/feeds/u/ana",
    }
    for page, feed in pages.items():
        html = (await client.get(page)).text
        assert _feed_links(html) == {
            "application/rss+xml": f"{feed}.rss",
            "application/atom+xml": f"{feed}.atom",
        }, page
        # And a visible link for people, at the foot of the page.
        assert f'<a href="{feed}.rss" type="application/rss+xml">RSS feed</a>' in html
        assert f'<a href="{feed}.atom" type="application/atom+xml">Atom feed</a>' in html
        for kind in KINDS:
            read(await client.get(f"{feed}.{kind}"))
    assert _feed_links((await client.get("/categories")).text) == {}


async def test_the_latest_feed_describes_the_community_in_the_managers_words(client, member):
    await site.set_value("description", "Owners of Acme headsets help each other.")
    feed = read(await client.get("/feeds/latest.atom")).feed
    assert feed.subtitle == "Owners of Acme headsets help each other."
