"""In-app notifications: who is told what, batching, watching levels, reading and preferences."""

from forum import events
from forum.moderation import service as moderation
from forum.notifications import service
from forum.notifications.models import (
    MUTED,
    TRACKING,
    WATCHING,
    Notification,
    Preference,
    ThreadWatch,
)
from forum.threads import service as threads
from forum.threads.models import Post
from tests.conftest import (
    count_queries,
    general,
    login,
    make_category,
    make_reply,
    make_thread,
    make_user,
    submit,
)


async def _kinds(user) -> list[str]:
    """What the member was told, badges aside (a first post earns one)."""
    rows = await Notification.filter(user_id=user.id).exclude(kind="badge").order_by("id")
    return [n.kind for n in rows]


async def test_a_reply_tells_the_threads_author_and_not_the_replier(member, other_member):
    thread = await make_thread(member)
    await make_reply(thread, other_member, "Try holding the power button.")
    assert await _kinds(member) == ["reply"]
    assert await _kinds(other_member) == []


async def test_replying_watches_the_thread(member, other_member):
    thread = await make_thread(member)
    await make_reply(thread, other_member, "Same here.")
    await make_reply(thread, member, "Thanks all.")
    assert await _kinds(other_member) == ["reply"]


async def test_a_mention_and_a_quote_name_the_member_once_each(member, other_member):
    carla = await make_user("carla")
    thread = await make_thread(member)
    await make_reply(thread, other_member, "@carla have you seen this?")
    await make_reply(thread, other_member, "@carla:\n> I have the same problem\n\nMe too.")
    # As a browser sends a textarea: CRLF line ends.
    await make_reply(thread, other_member, "@carla:\r\n> Still broken\r\n\r\nAgreed.")
    assert await _kinds(carla) == ["mention", "quote", "quote"]


async def test_likes_on_one_post_fold_into_one_notification(client, member):
    thread = await make_thread(member)
    [post] = await threads.thread_page(thread, 1)
    likers = [await make_user(f"fan{n}") for n in range(3)]
    for fan in likers:
        await threads.like(post, fan)
    [note] = await Notification.filter(user_id=member.id, kind="like")
    assert note.others == 2
    await login(client, member)
    page = (await client.get("/notifications")).text
    assert "fan2 and 2 others liked your post" in page


async def test_the_solution_tells_the_answerer_and_the_asker(member, other_member, moderator):
    category = await make_category(kind="support")
    thread = await make_thread(member, category=category)
    answer = await make_reply(thread, other_member, "Update the firmware first.")
    answer = await threads.get_post(answer.id)
    await threads.mark_solution(answer, moderator)
    assert "accepted" in await _kinds(other_member)
    assert "solved" in await _kinds(member)


async def test_a_moderator_hiding_a_post_tells_its_author_why(
    client, member, other_member, moderator
):
    thread = await make_thread(member)
    reply = await threads.get_post((await make_reply(thread, other_member, "Buy my stuff")).id)
    await moderation.hide_post(reply, moderator, "Advertising is not allowed here")
    [note] = await Notification.filter(user_id=other_member.id, kind="post_hidden")
    assert note.text == "Advertising is not allowed here"
    await login(client, other_member)
    page = (await client.get("/notifications")).text
    assert "Your post in “How do I reset the device?” was hidden" in page
    assert "Advertising is not allowed here" in page


async def test_a_staff_deletion_tells_the_author_the_reason(member, other_member, moderator):
    thread = await make_thread(member)
    reply = await threads.get_post((await make_reply(thread, other_member, "Off topic rant")).id)
    await moderation.delete_post(reply, moderator, "Please keep to the topic")
    [note] = await Notification.filter(user_id=other_member.id, kind="post_deleted")
    assert note.text == "Please keep to the topic"
    assert note.url == f"/t/{thread.id}"  # the deleted post cannot be opened; its thread can


async def test_flaggers_hear_how_their_flag_was_decided(member, other_member, moderator):
    thread = await make_thread(member)
    spam = await threads.get_post((await make_reply(thread, other_member, "Cheap pills")).id)
    ok = await threads.get_post((await make_reply(thread, other_member, "A fair point")).id)
    flagger = await make_user("watchful")
    await moderation.flag_post(spam, flagger, reason="spam")
    await moderation.flag_post(ok, flagger, reason="inappropriate")
    await moderation.delete_post(spam, moderator, "Spam")
    await moderation.dismiss_flags(ok, moderator)
    assert await _kinds(flagger) == ["flag_upheld", "flag_dismissed"]


async def _without_badges(*users) -> None:
    """Drop the first-post badges' notifications, so counts are about replies alone."""
    await Notification.filter(kind="badge", user_id__in=[u.id for u in users]).delete()


async def test_the_header_counts_unread_and_reading_the_post_clears_it(
    client, member, other_member
):
    thread = await make_thread(member)
    await make_reply(thread, other_member, "Here is how")
    await _without_badges(member)
    await login(client, member)
    page = (await client.get("/")).text
    assert 'class="count-badge" aria-label="1 unread">1<' in page
    await client.get(thread.url)
    assert "count-badge" not in (await client.get("/")).text
    assert await Notification.filter(user_id=member.id, read_at__isnull=True).count() == 0


async def test_posts_while_a_watcher_is_away_fold_into_one_notification(
    client, member, other_member
):
    thread = await make_thread(member, title="Strap keeps slipping")
    first = await make_reply(thread, other_member, "Tighten the buckle one notch.")
    await make_reply(thread, await make_user("carla"), "Or try the sport band.")
    await make_reply(thread, other_member, "@carla the sport band fixed mine.")
    await _without_badges(member)
    await login(client, member)
    page = (await client.get("/notifications")).text
    assert "3 new posts in “Strap keeps slipping”, the latest by boris" in page
    assert f'href="/p/{first.id}"' in page  # to the first post they have not read
    assert 'aria-label="1 unread">1<' in page

    await client.get(thread.url)  # back: the next post is news again
    await make_reply(thread, other_member, "Did it work?")
    [newest] = await Notification.filter(user_id=member.id, read_at__isnull=True)
    await newest.fetch_related("actor", "thread")
    assert service.describe(newest) == "boris replied in “Strap keeps slipping”"


async def test_a_folded_notification_counts_only_posts_the_member_can_see_by_others(
    client, member, other_member, moderator
):
    thread = await make_thread(member, title="Strap keeps slipping")
    await make_reply(thread, other_member, "Tighten the buckle one notch.")
    held = await make_reply(thread, await make_user("carla"), "Buy my straps!")
    await Post.filter(id=held.id).update(held=True)  # waiting for a moderator
    gone = await make_reply(thread, other_member, "Wrong thread, sorry.")
    await threads.delete_post(await threads.get_post(gone.id), moderator)
    await make_reply(thread, member, "Thanks, trying it.")  # their own
    await make_reply(thread, await make_user("dmitri"), "Or the sport band.")
    await _without_badges(member)
    await login(client, member)
    page = (await client.get("/notifications")).text
    assert "2 new posts in “Strap keeps slipping”, the latest by dmitri" in page


async def test_a_post_writes_nothing_for_watchers_already_told_however_many(member):
    """The watchers with an unread notification for the thread are found in one read and
    nothing is written for them, so a post costs the same for 2 watchers or 20."""
    poster = await make_user("poster")
    costs = []
    for count in (2, 20):
        thread = await make_thread(member, title=f"Watched by {count}")
        for _ in range(count):
            await service.set_thread_level(await make_user(), thread, WATCHING)
        await make_reply(thread, poster, f"First news for {count}")  # each watcher is told once
        assert await Notification.filter(thread_id=thread.id, kind="reply").count() == count + 1
        with count_queries() as statements:
            await make_reply(thread, poster, f"More news for {count}")
        assert await Notification.filter(thread_id=thread.id, kind="reply").count() == count + 1
        assert not [sql for sql in statements if "notification" in sql.split(" WHERE")[0]
                    and not sql.startswith("SELECT")], statements  # fmt: skip
        costs.append(len(statements))
    assert costs[0] == costs[1], costs


async def test_a_watcher_who_reads_while_a_reply_is_being_written_still_hears_of_it(
    member, other_member, monkeypatch
):
    """Who is told of a reply is read before its write turn. A watcher whose notification
    counted as unread then, and who read it before the reply was written, is told anew, as
    they chose (their channels were not read with the others': they had nothing coming)."""
    thread = await make_thread(member, title="Battery drains overnight")
    await make_reply(thread, other_member, "Turn off the always-on display.")
    await _without_badges(member)
    await Preference.create(user_id=member.id, channels={"reply": "email"})
    prepare = events.prepare

    async def member_reads_meanwhile(*args, **kwargs):
        prepared = await prepare(*args, **kwargs)
        await service.mark_read(member)  # between the reads and the write
        return prepared

    monkeypatch.setattr(events, "prepare", member_reads_meanwhile)
    news = await make_reply(thread, other_member, "And the raise-to-wake gesture.")
    [unread] = await Notification.filter(user_id=member.id, read_at__isnull=True)
    assert (unread.kind, unread.post_id) == ("reply", news.id)
    assert unread.email_due_at is not None


async def test_how_each_watcher_hears_of_a_reply_is_read_before_its_write_turn(member):
    """Every process waits on a write turn: the watchers' channels and account rows (the
    notification's foreign key reads the row's page) are read before it, not in it."""
    poster = await make_user("poster")
    thread = await make_thread(member, title="Pairing fails after update")
    await make_reply(thread, poster, "Same here since 2.4.")  # their first-post badge now
    for _ in range(3):
        await service.set_thread_level(await make_user(), thread, WATCHING)
    with count_queries() as statements:
        await make_reply(thread, poster, "Resetting the watch did not help.")
    first_write = next(n for n, sql in enumerate(statements) if sql.startswith("UPDATE thread"))
    channels = [n for n, sql in enumerate(statements) if "notification_preference" in sql]
    assert channels and max(channels) < first_write, "\n".join(statements)
    # The three watchers told; the thread's author still has theirs, of the first reply.
    assert await Notification.filter(thread_id=thread.id, kind="reply").count() == 4


async def test_a_mention_is_told_on_its_own_not_folded(member, other_member):
    carla = await make_user("carla")
    thread = await make_thread(carla)
    await make_reply(thread, other_member, "Which firmware?")
    await make_reply(thread, other_member, "@carla which firmware are you on?")
    assert await _kinds(carla) == ["reply", "mention"]


async def test_mark_one_and_mark_all_read(client, member, other_member):
    for n in range(3):
        await make_reply(await make_thread(member), other_member, f"Reply number {n}")
    await _without_badges(member)
    await login(client, member)
    first = await Notification.filter(user_id=member.id).order_by("id").first()
    await submit(client, "/notifications/read", {"notification": str(first.id)})
    assert await service.unread_count(member) == 2
    response = await submit(client, "/notifications/read", {})
    assert response.status_code == 303
    assert await service.unread_count(member) == 0


async def test_one_member_cannot_mark_anothers_notifications(client, member, other_member):
    thread = await make_thread(member)
    await make_reply(thread, other_member, "Hello there")
    await _without_badges(member)
    note = await Notification.get(user_id=member.id)
    await login(client, other_member)
    await submit(client, "/notifications/read", {"notification": str(note.id)})
    assert (await Notification.get(id=note.id)).read_at is None
    assert "Hello there" not in (await client.get("/notifications")).text


async def test_a_muted_thread_tells_nothing_even_mentions(client, member, other_member):
    thread = await make_thread(member)
    await login(client, member)
    response = await submit(client, f"/t/{thread.id}/watch", {"level": "muted"})
    assert response.status_code == 303
    await make_reply(thread, other_member, "@ana look at this")
    assert await _kinds(member) == []
    assert 'value="muted" selected' in (await client.get(thread.url)).text


async def test_watching_a_category_tells_of_new_threads_and_every_post(
    client, member, other_member
):
    category = await general()
    await login(client, member)
    await submit(client, f"/c/{category.slug}/watch", {"level": "watching"})
    thread = await make_thread(other_member, title="Battery drains overnight")
    await make_reply(thread, await make_user(), "Mine too")
    assert await _kinds(member) == ["thread", "reply"]


async def test_a_thread_level_wins_over_the_category_level(member, other_member):
    category = await general()
    await service.set_category_level(member, category.id, WATCHING)
    thread = await make_thread(other_member)
    await service.set_thread_level(member, thread, MUTED)
    await make_reply(thread, other_member, "Nobody?")
    assert await _kinds(member) == ["thread"]


async def test_tracked_threads_show_how_many_posts_are_new(client, member, other_member):
    thread = await make_thread(other_member, title="Tracked thread")
    await service.set_thread_level(member, thread, TRACKING)
    await login(client, member)
    await client.get(thread.url)
    for n in range(2):
        await make_reply(thread, other_member, f"News {n}")
    assert await _kinds(member) == []  # tracking counts, it does not notify
    page = (await client.get("/")).text
    assert ">2 unread</a>" in page
    await client.get(thread.url)
    assert "2 unread" not in (await client.get("/")).text


async def test_a_topic_switched_off_is_not_notified(client, member, other_member):
    await login(client, member)
    response = await submit(client, "/settings/notifications", {
        "topic_reply": "off", "digest": "weekly", "topic_moderation": "off",
    })  # fmt: skip
    assert response.status_code == 303
    thread = await make_thread(member)
    await make_reply(thread, other_member, "A reply nobody hears of")
    assert await _kinds(member) == []
    prefs = await service.preference(member)
    assert prefs.channels["moderation"] == "app"  # cannot be switched off: stays as it was


async def test_the_preferences_page_shows_the_choices(client, member):
    await login(client, member)
    page = (await client.get("/settings/notifications")).text
    assert 'name="topic_reply" value="email"' in page
    assert 'name="digest"' in page
    assert "Send me no e-mail at all" in page
    assert "As many as the community allows (20)" in page
    response = await submit(
        client, "/settings/notifications", {"digest": "daily", "daily_cap": "3"}
    )
    assert response.status_code == 303
    prefs = await service.preference(member)
    assert (prefs.digest, prefs.daily_cap) == ("daily", 3)
    refused = await submit(
        client, "/settings/notifications", {"digest": "hourly", "daily_cap": "3"}
    )
    assert refused.status_code == 400
    assert "Choose how often to get the digest." in refused.text


async def test_the_notifications_page_pages_by_keyset(client, member, monkeypatch):
    monkeypatch.setattr(service, "PAGE_SIZE", 2)
    for n in range(5):
        await make_reply(await make_thread(member), await make_user(), f"Voice {n}")
    await login(client, member)
    first = (await client.get("/notifications")).text
    assert 'rel="next"' in first
    rows, more = await service.page(member)
    assert len(rows) == 2
    older, _ = await service.page(member, more)
    assert {n.id for n in rows}.isdisjoint(n.id for n in older)


async def test_notifications_need_a_signed_in_member(client):
    response = await client.get("/notifications")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


async def test_replying_sets_the_read_position(member, other_member):
    thread = await make_thread(member)
    post = await make_reply(thread, other_member, "Watching now")
    watch = await ThreadWatch.get(user_id=other_member.id, thread_id=thread.id)
    assert watch.level == WATCHING and watch.last_read == post.number


async def test_held_posts_notify_only_once_approved(
    client, member, other_member, moderator, monkeypatch
):
    from forum.site import models as site

    thread = await make_thread(member)
    monkeypatch.setitem(site.DEFAULTS, "hold_first_posts", "1")
    site.forget()
    newcomer = await make_user("newbie")
    held = await make_reply(thread, newcomer, "My first post")
    assert await _kinds(member) == []
    await moderation.approve_post(await threads.get_post(held.id), moderator)
    assert await _kinds(member) == ["reply"]
    assert await _kinds(newcomer) == ["post_approved"]
