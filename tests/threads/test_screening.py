"""What a new post goes through before it is written: duplicates, new members' limits and the
manager's watched words."""

import pytest

from forum.forms import Invalid
from forum.moderation import service as moderation
from forum.site import models as site
from forum.threads import service
from forum.threads.models import Post, Thread
from tests.conftest import login, make_reply, make_thread, make_user, submit


async def test_the_same_text_twice_in_a_row_is_refused(member):
    thread = await make_thread(member)
    await make_reply(thread, member, "Thanks, that worked!")
    with pytest.raises(Invalid) as caught:
        await make_reply(thread, member, "Thanks, that worked!")
    assert "same text" in caught.value.errors["body"]


@pytest.fixture
async def newcomer(database):
    await site.set_value("trust_posts", "3")
    await site.set_value("trust_days", "2")
    return await make_user("newbie")


async def test_new_members_may_include_two_links_at_most(newcomer):
    body = "See https://a.example, https://b.example and https://c.example"
    with pytest.raises(Invalid) as caught:
        await make_thread(newcomer, body=body)
    assert "at most 2 links" in caught.value.errors["body"]


async def test_new_members_may_mention_two_people_at_most(newcomer):
    with pytest.raises(Invalid) as caught:
        await make_thread(newcomer, body="Hey @ana @boris @mod, any idea?")
    assert "mention at most 2" in caught.value.errors["body"]


async def test_new_members_wait_between_posts(newcomer):
    thread = await make_thread(newcomer)
    with pytest.raises(Invalid) as caught:
        await make_reply(thread, newcomer, "And one more thing")
    assert "seconds between posts" in caught.value.errors["body"]


async def test_new_members_write_a_few_threads_a_day(newcomer, monkeypatch):
    monkeypatch.setattr(service, "NEW_MEMBER_INTERVAL", service.timedelta(0))
    for number in range(service.NEW_MEMBER_THREADS_PER_DAY):
        await make_thread(newcomer, title=f"Question number {number}")
    with pytest.raises(Invalid) as caught:
        await make_thread(newcomer, title="One question too many")
    assert "come back tomorrow" in caught.value.errors["body"]


async def test_trusted_members_and_staff_have_no_such_limits(database, moderator):
    await site.set_value("trust_posts", "3")
    body = "Links: https://a.example https://b.example https://c.example"
    await make_thread(moderator, body=body)
    assert not (await service.trust(moderator)).new_member


async def test_a_blocked_word_refuses_the_post_and_says_which(member):
    await service.add_watched_word("casino*", "block")
    with pytest.raises(Invalid) as caught:
        await make_thread(member, body="Best CasinoBonus offers here")
    assert "“CasinoBonus”" in caught.value.errors["body"]
    assert await Thread.all().count() == 0


async def test_whole_words_only(member):
    await service.add_watched_word("ass", "block")
    await make_thread(member, body="A class assignment about bass guitars")
    assert await Thread.all().count() == 1


async def test_a_word_that_requires_approval_holds_the_post(member):
    await service.add_watched_word("refund", "require_approval")
    thread = await make_thread(member, body="I want a refund now")
    assert (await Thread.get(id=thread.id)).held


async def test_a_flagged_word_sends_the_post_to_the_queue_from_the_community(member):
    await service.add_watched_word("competitor", "flag")
    thread = await make_thread(member, body="The competitor sells it cheaper")
    items = await moderation.queue()
    assert [item.post.thread_id for item in items] == [thread.id]
    flag = items[0].flags[0]
    assert (flag.user_id, flag.reason, flag.note) == (None, "watched_word", "competitor")


async def test_a_replaced_word_is_changed_before_the_post_is_stored(member):
    await service.add_watched_word("darn", "replace", "d**n")
    thread = await make_thread(member, title="Darn battery", body="This darn thing")
    post = await Post.get(thread_id=thread.id)
    assert post.body == "This d**n thing" and thread.title == "d**n battery"


async def test_watched_words_are_unique_and_need_a_replacement_to_replace(database):
    await service.add_watched_word("Spam", "block")
    with pytest.raises(Invalid) as caught:
        await service.add_watched_word("spam", "flag")
    assert "word" in caught.value.errors
    with pytest.raises(Invalid) as caught:
        await service.add_watched_word("heck", "replace")
    assert "replacement" in caught.value.errors


async def test_the_manager_watches_and_unwatches_words(client, manager, member):
    await login(client, manager)
    response = await submit(
        client, "/admin/watched-words", {"word": "crypto*", "action": "block", "replacement": ""}
    )
    assert response.status_code == 303
    page = await client.get("/admin/watched-words")
    assert "crypto*" in page.text and "Block the post" in page.text
    bad = await submit(client, "/admin/watched-words", {"word": "x", "action": "nope"})
    assert bad.status_code == 400 and 'id="word-error"' in bad.text
    await login(client, member)
    refused = await submit(
        client, "/t/new", {"category": "1", "title": "Great deal", "body": "Buy cryptocoins"}
    )
    assert refused.status_code == 400 and "not allowed here" in refused.text
    assert "Buy cryptocoins</textarea>" in refused.text
