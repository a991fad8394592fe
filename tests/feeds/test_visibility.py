"""A feed shows what a guest may read, nothing more, whoever asks, and nothing in it can run."""

import xml.etree.ElementTree as ET

import pytest

from forum.moderation import service as moderation
from forum.site import models as site
from forum.threads import service as threads
from tests.conftest import login, make_category, make_reply, make_thread, make_user
from tests.feeds.conftest import KINDS, entry_html, read
from tests.test_xss import _Elements, assert_inert


async def _post(post_id: int):
    return await threads.get_post(post_id)


@pytest.fixture
async def withheld(database):
    """A visible thread with visible, hidden, deleted and held replies; a thread whose opening
    post is hidden, a deleted thread and a held thread. Every withheld text says "SECRET"."""
    ana, boris = await make_user("ana"), await make_user("boris")
    moderator = await make_user("mod", role="moderator")
    shown = await make_thread(ana, title="Shown thread", body="Shown opening post")
    await make_reply(shown, boris, "Shown reply")
    hidden = await make_reply(shown, boris, "SECRET hidden reply")
    await moderation.hide_post(await _post(hidden.id), moderator, "Rude")
    deleted = await make_reply(shown, boris, "SECRET deleted reply")
    await threads.delete_post(await _post(deleted.id), boris)
    hidden_opening = await make_thread(boris, title="SECRET hidden opening", body="SECRET body")
    first = (await threads.thread_page(hidden_opening, 1))[0]
    await moderation.hide_post(await _post(first.id), moderator, "Spam")
    gone = await make_thread(boris, title="SECRET deleted thread", body="SECRET gone")
    await threads.delete_post(await _post((await threads.thread_page(gone, 1))[0].id), boris)
    # From here a new member's first post waits for a moderator.
    await site.set_value("hold_first_posts", "1")
    newcomer = await make_user("newbie")
    held = await make_thread(newcomer, title="SECRET held thread", body="SECRET waiting")
    await make_reply(shown, await make_user("another"), "SECRET held reply")
    return {"shown": shown, "hidden_opening": hidden_opening, "gone": gone, "held": held,
            "moderator": moderator, "newcomer": newcomer}  # fmt: skip


def _feeds(world: dict) -> list[str]:
    thread = world["shown"]
    return [
        f"/feeds/{path}.{kind}"
        for path in ("latest", "c/general", f"t/{thread.id}", "u/boris", "u/newbie")
        for kind in KINDS
    ]


async def test_hidden_deleted_and_held_posts_never_appear_in_any_feed(client, withheld):
    for url in _feeds(withheld):
        response = await client.get(url)
        read(response)
        assert "SECRET" not in response.text, url
    thread = read(await client.get(f"/feeds/t/{withheld['shown'].id}.atom"))
    assert [entry_html(e) for e in thread.entries] == [
        "<p>Shown reply</p>",
        "<p>Shown opening post</p>",
    ]
    assert [e.title for e in read(await client.get("/feeds/latest.rss")).entries] == [
        "Shown thread"
    ]


async def test_a_held_or_deleted_thread_has_no_feed(client, withheld):
    for thread in (withheld["held"], withheld["gone"]):
        for kind in KINDS:
            assert (await client.get(f"/feeds/t/{thread.id}.{kind}")).status_code == 404


@pytest.mark.parametrize("who", ["moderator", "newcomer"])
async def test_a_feed_is_the_guest_view_even_for_staff_or_the_author(client, withheld, who):
    await login(client, withheld[who])
    for url in _feeds(withheld):
        assert "SECRET" not in (await client.get(url)).text, url
    assert (await client.get(f"/feeds/t/{withheld['held'].id}.rss")).status_code == 404


async def test_an_archived_category_keeps_its_feed_but_leaves_the_latest_one(client, member):
    old = await make_category(name="Old products")
    await make_thread(member, title="About the old model", category=old)
    await threads.set_archived(old, True)
    assert read(await client.get("/feeds/latest.rss")).entries == []
    assert len(read(await client.get(f"/feeds/c/{old.slug}.rss")).entries) == 1


# --- Hostile text


TITLES = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "Title & <b>bold</b>"]
BODIES = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1)) [y](data:text/html,<script>alert(1)</script>) [z](vbscript:msgbox)",
    '<a href="javascript:alert(1)" onclick="alert(1)">click</a> <svg/onload=alert(1)>',
]


def _assert_no_active_urls(html: str) -> None:
    """What assert_inert checks, plus the other schemes a reader might follow."""
    assert_inert(html)
    parser = _Elements()
    parser.feed(html)
    for tag, attrs in parser.found:
        for name in ("href", "src", "action", "formaction", "xlink:href"):
            value = attrs.get(name, "").strip().lower()
            assert not value.startswith(("javascript:", "data:", "vbscript:")), (tag, attrs)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("title", TITLES)
async def test_hostile_titles_and_bodies_reach_readers_as_text_and_inert_html(
    client, database, title, kind
):
    mallory = await make_user("mallory")
    await mallory.update_from_dict({"display_name": "<script>alert(1)</script>"}).save()
    thread = await make_thread(mallory, title=title, body=BODIES[0])
    for body in BODIES[1:]:
        await make_reply(thread, mallory, body)
    for url in (
        f"/feeds/latest.{kind}",
        f"/feeds/t/{thread.id}.{kind}",
        f"/feeds/u/mallory.{kind}",
    ):
        response = await client.get(url)
        parsed = read(response)
        # No markup from members in the document itself: every "<" they typed is escaped.
        assert b"<script" not in response.content and b"<img" not in response.content, url
        for entry in parsed.entries:
            _assert_no_active_urls(entry_html(entry))
            assert entry.author == "<script>alert(1)</script>"
        # A title is text: the reader shows exactly what was typed, as characters.
        titles = [
            element.text
            for element in ET.fromstring(response.content).iter()
            if element.tag.rsplit("}", 1)[-1] == "title"
        ]
        assert title in titles, url


async def test_control_characters_a_member_types_do_not_break_the_feed(client, database):
    bell = await make_user("bell")
    await bell.update_from_dict({"display_name": "Ring\x07ring"}).save()
    thread = await make_thread(bell, title="Beep\x01 beep\x08 title", body="Body \x1b[31m red")
    for kind in KINDS:
        entry = read(await client.get(f"/feeds/t/{thread.id}.{kind}")).entries[0]
        assert (entry.title, entry.author) == ("Beep beep title", "Ringring")
