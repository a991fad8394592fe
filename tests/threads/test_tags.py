"""Tags: the manager's curated list, up to five on a thread, counts, chips, tag pages, feeds and
watching a tag."""

import pytest

from forum import pagecache
from forum.moderation import service as moderation
from forum.notifications import service as notifications
from forum.notifications.models import LEVELS, Notification
from forum.site import models as site
from forum.threads import service as threads
from forum.threads import tags as tagging
from forum.threads.models import Tag, Thread, ThreadTag
from tests.conftest import (
    general,
    login,
    make_category,
    make_reply,
    make_thread,
    make_user,
    submit,
)
from tests.feeds.conftest import KINDS, read


async def make_tags(*names: str) -> list[Tag]:
    return [await tagging.create_tag({"name": name}) for name in names]


async def tag_count(slug: str) -> int:
    return (await Tag.get(slug=slug)).thread_count


async def tagged(author, title: str, *slugs: str, category=None) -> Thread:
    category = category or await general()
    thread = await threads.start_thread(
        author, category_id=str(category.id), title=title, body=f"About {title}", tags=list(slugs)
    )
    return await threads.get_thread(thread.id)


# --- The manager's list


async def test_the_manager_creates_renames_describes_and_deletes_a_tag(client, manager, member):
    await login(client, manager)
    response = await submit(client, "/admin/tags", {"name": "Battery life", "description": ""})
    assert response.status_code == 303
    tag = await Tag.get(slug="battery-life")
    thread = await tagged(member, "Drains overnight", "battery-life")
    response = await submit(
        client,
        f"/admin/tags/{tag.id}/edit",
        {"name": "Battery", "description": "Power and charging"},
    )
    assert response.status_code == 303
    page = await client.get("/tags")
    assert "Battery" in page.text and "Power and charging" in page.text
    assert 'href="/tag/battery-life"' in page.text  # renaming keeps the address
    response = await submit(client, f"/admin/tags/{tag.id}/delete")
    assert response.status_code == 303
    assert not await Tag.exists(slug="battery-life")
    assert (await Thread.get(id=thread.id)).tags == ""
    assert not await ThreadTag.filter(thread_id=thread.id).exists()


async def test_a_tag_needs_a_name_and_a_free_slug(client, manager):
    await make_tags("Audio")
    await login(client, manager)
    response = await submit(client, "/admin/tags", {"name": "x", "description": "kept"})
    assert response.status_code == 400
    assert 'id="name-error"' in response.text and 'value="kept"' in response.text
    response = await submit(client, "/admin/tags", {"name": "Audio"})
    assert response.status_code == 400 and 'id="slug-error"' in response.text
    assert await Tag.all().count() == 1


async def test_only_the_manager_manages_tags(client, moderator):
    [tag] = await make_tags("Audio")
    await login(client, moderator)
    assert (await client.get("/admin/tags")).status_code == 403
    assert (await submit(client, f"/admin/tags/{tag.id}/delete")).status_code == 403
    assert await Tag.exists(id=tag.id)


# --- Tags on a thread


async def test_a_member_chooses_curated_tags_when_starting_a_thread(client, member):
    await make_tags("Audio", "Battery", "Setup")
    await login(client, member)
    form = await client.get("/t/new")
    assert 'name="tags" value="audio"' in form.text
    response = await submit(client, "/t/new", {
        "category": str((await general()).id), "title": "Crackling speaker",
        "body": "Since Monday", "tags": ["setup", "audio"],
    })  # fmt: skip
    assert response.status_code == 303
    thread = await Thread.get(title="Crackling speaker")
    assert thread.tags == "audio setup"  # in the list's order
    assert await ThreadTag.filter(thread_id=thread.id).count() == 2
    row = await ThreadTag.filter(thread_id=thread.id).first()
    assert row.last_posted_at == thread.last_posted_at
    assert (await tag_count("audio"), await tag_count("battery")) == (1, 0)


async def test_a_tag_not_on_the_list_is_refused_and_the_form_kept(client, member):
    await make_tags("Audio")
    await login(client, member)
    response = await submit(client, "/t/new", {
        "category": str((await general()).id), "title": "Crackling speaker",
        "body": "Since Monday", "tags": ["audio", "made-up"],
    })  # fmt: skip
    assert response.status_code == 400
    assert 'id="tags-error"' in response.text and "Choose tags from the list." in response.text
    assert "Crackling speaker" in response.text
    assert 'value="audio" checked' in response.text
    assert not await Thread.exists(title="Crackling speaker")


async def test_a_thread_carries_at_most_five_tags(member):
    await make_tags(*[f"Tag {n}" for n in range(6)])
    with pytest.raises(threads.Invalid) as refused:
        await tagged(member, "Too many tags", *[f"tag-{n}" for n in range(6)])
    assert "at most 5" in refused.value.errors["tags"]
    thread = await tagged(member, "Five is fine", *[f"tag-{n}" for n in range(5)])
    assert len(thread.tags.split()) == 5


async def test_the_author_and_staff_change_tags_when_editing_the_opening_post(
    client, member, other_member, moderator
):
    await make_tags("Audio", "Battery")
    thread = await tagged(member, "Crackling speaker", "audio")
    opening = await threads.get_post((await threads.thread_page(thread, 1))[0].id)
    await login(client, member)
    page = await client.get(f"/p/{opening.id}/edit")
    assert 'value="audio" checked' in page.text
    response = await submit(client, f"/p/{opening.id}/edit", {
        "title": thread.title, "body": opening.body, "tags_shown": "1", "tags": ["battery"],
    })  # fmt: skip
    assert response.status_code == 303
    assert (await Thread.get(id=thread.id)).tags == "battery"
    assert (await tag_count("audio"), await tag_count("battery")) == (0, 1)
    # Staff change only the tags: no reason needed, and no revision of the text.
    await login(client, moderator)
    response = await submit(client, f"/p/{opening.id}/edit", {
        "title": thread.title, "body": opening.body, "reason": "", "tags_shown": "1",
        "tags": ["audio", "battery"],
    })  # fmt: skip
    assert response.status_code == 303
    assert (await Thread.get(id=thread.id)).tags == "audio battery"
    assert (await threads.get_post(opening.id)).edit_count == 0
    await login(client, other_member)
    assert (await client.get(f"/p/{opening.id}/edit")).status_code == 403


async def test_a_form_without_the_tags_leaves_them_alone(member):
    await make_tags("Audio")
    thread = await tagged(member, "Crackling speaker", "audio")
    opening = await threads.get_post((await threads.thread_page(thread, 1))[0].id)
    await threads.edit_post(opening, member, body="Since Monday, loudly", title=thread.title)
    assert (await Thread.get(id=thread.id)).tags == "audio"


async def test_counts_follow_what_everyone_can_see(member, moderator):
    await make_tags("Audio")
    await site.set_value("hold_first_posts", "1")
    newcomer = await make_user()
    held = await tagged(newcomer, "Held until approved", "audio")
    assert await tag_count("audio") == 0
    opening = await threads.get_post((await threads.thread_page(held, 1))[0].id)
    await moderation.approve_post(opening, moderator)
    assert await tag_count("audio") == 1
    await threads.delete_post(await threads.get_post(opening.id), newcomer)
    assert await tag_count("audio") == 0
    await threads.restore_post(await threads.get_post(opening.id, with_deleted=True), moderator)
    assert await tag_count("audio") == 1


async def test_chips_show_tag_names_in_lists_and_in_the_thread_header(client, member, manager):
    [tag] = await make_tags("Battery life")
    thread = await tagged(member, "Drains overnight", "battery-life")
    chip = '<a class="tag-chip" href="/tag/battery-life"'
    for url in ["/", "/latest", "/c/general", thread.url]:
        page = await client.get(url)
        assert chip in page.text and ">Battery life</a>" in page.text, url
    await tagging.update_tag(tag, {"name": "Battery", "description": ""})
    await pagecache.bump()  # written behind the app's back, as the worker would
    assert ">Battery</a>" in (await client.get("/latest")).text


# --- Tag pages


async def test_a_tag_page_lists_its_threads_by_latest_activity_and_pages_by_keyset(
    client, member, other_member, monkeypatch
):
    monkeypatch.setattr(tagging, "TAGS_PER_PAGE", 2)
    await make_tags("Audio")
    first = await tagged(member, "First audio thread", "audio")
    await tagged(member, "Second audio thread", "audio")
    await tagged(member, "Third audio thread", "audio")
    await make_thread(member, title="Not tagged at all")
    await make_reply(first, other_member, "Bumps the first one")
    page = await client.get("/tag/audio")
    assert page.status_code == 200
    assert page.text.index("First audio") < page.text.index("Third audio")
    assert "Second audio" not in page.text and "Not tagged" not in page.text
    more = page.text.split('href="/tag/audio?after=')[1].split('"')[0]
    second = await client.get(f"/tag/audio?after={more}")
    assert "Second audio" in second.text and "Third audio" not in second.text
    assert 'rel="next"' not in second.text


async def test_a_tag_page_never_shows_deleted_or_held_threads_but_keeps_archived_ones(
    client, member, moderator
):
    await make_tags("Audio")
    gone = await tagged(member, "Deleted audio thread", "audio")
    opening = await threads.get_post((await threads.thread_page(gone, 1))[0].id)
    await threads.delete_post(opening, member)
    old = await make_category(name="Old products")
    await tagged(member, "Archived audio thread", "audio", category=old)
    await threads.set_archived(old, True)
    await site.set_value("hold_first_posts", "1")
    await tagged(await make_user(), "Held audio thread", "audio")
    page = (await client.get("/tag/audio")).text
    assert "Archived audio thread" in page
    assert "Deleted audio thread" not in page and "Held audio thread" not in page


async def test_an_unknown_tag_is_not_found(client):
    assert (await client.get("/tag/nothing")).status_code == 404
    assert (await client.get("/feeds/tag/nothing.rss")).status_code == 404


async def test_merging_and_replying_keep_the_tag_rows_in_step(member, other_member):
    await make_tags("Audio")
    target = await tagged(member, "Target thread", "audio")
    source = await make_thread(other_member, title="Source thread")
    await make_reply(source, other_member, "The newest words")
    await threads.merge_threads(await threads.get_thread(source.id), target)
    merged = await Thread.get(id=target.id)
    row = await ThreadTag.get(thread_id=target.id)
    assert row.last_posted_at == merged.last_posted_at
    await make_reply(await threads.get_thread(target.id), other_member, "Even newer")
    assert (await ThreadTag.get(thread_id=target.id)).last_posted_at == (
        await Thread.get(id=target.id)
    ).last_posted_at


# --- Feeds


@pytest.mark.parametrize("kind", KINDS)
async def test_a_tag_feed_holds_its_threads_newest_first(client, member, kind):
    await make_tags("Audio", "Battery")
    await tagged(member, "Older audio question", "audio")
    await tagged(member, "Battery question", "battery")
    await tagged(member, "Newer audio question", "audio", "battery")
    parsed = read(await client.get(f"/feeds/tag/audio.{kind}"))
    assert [entry.title for entry in parsed.entries] == [
        "Newer audio question",
        "Older audio question",
    ]
    assert "Audio" in parsed.feed.title


async def test_the_tag_page_announces_its_feeds(client, member):
    await make_tags("Audio")
    page = (await client.get("/tag/audio")).text
    assert '<link rel="alternate" type="application/rss+xml"' in page
    assert 'href="/feeds/tag/audio.rss"' in page and 'href="/feeds/tag/audio.atom"' in page


# --- Watching a tag


async def test_watching_a_tag_tells_of_each_new_thread_with_it(client, member, other_member):
    await make_tags("Audio")
    await login(client, other_member)
    page = await client.get("/tag/audio")
    assert 'action="/tag/audio/watch"' in page.text
    response = await submit(client, "/tag/audio/watch", {"level": "watching"})
    assert response.status_code == 303
    assert "selected" in (await client.get("/tag/audio")).text.split('value="watching"')[1][:12]
    await make_thread(member, title="Untagged thread")
    thread = await tagged(member, "Crackling speaker", "audio")
    [told] = await Notification.filter(user_id=other_member.id)
    assert (told.kind, told.thread_id) == ("tag_thread", thread.id)
    await told.fetch_related("actor", "thread")
    assert notifications.describe(told) == "ana started “Crackling speaker” with a tag you watch"


async def test_a_muted_category_wins_over_a_watched_tag(member, other_member):
    await make_tags("Audio")
    await notifications.set_tag_level(
        other_member, (await Tag.get(slug="audio")).id, LEVELS["watching"]
    )
    await notifications.set_category_level(other_member, (await general()).id, LEVELS["muted"])
    await tagged(member, "Crackling speaker", "audio")
    assert not await Notification.filter(user_id=other_member.id).exists()


async def test_watching_a_tag_tells_of_replies_and_tracking_it_tells_nothing(member, other_member):
    await make_tags("Audio")
    audio = await Tag.get(slug="audio")
    tracker = await make_user()
    await notifications.set_tag_level(other_member, audio.id, LEVELS["watching"])
    await notifications.set_tag_level(tracker, audio.id, LEVELS["tracking"])
    thread = await tagged(member, "Crackling speaker", "audio")
    await make_reply(thread, member, "It got worse")
    kinds = (
        await Notification.filter(user_id=other_member.id)
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds == ["tag_thread", "reply"]
    assert not await Notification.filter(user_id=tracker.id).exists()


async def test_who_may_change_a_threads_tags(member, other_member, moderator):
    from forum import permissions as can

    thread = await make_thread(member)
    assert can.choose_tags(member, thread) and can.choose_tags(moderator, thread)
    assert not can.choose_tags(other_member, thread)
    await threads.set_locked(thread, True)
    assert not can.choose_tags(member, thread) and can.choose_tags(moderator, thread)
