"""Moderation rules, tested without HTTP."""

from datetime import UTC, datetime, timedelta

import pytest

from forum.accounts import service as accounts
from forum.accounts.models import Session, User
from forum.forms import Invalid
from forum.mail.models import OutboxMessage
from forum.moderation import service
from forum.moderation.models import AuditEntry, Flag
from forum.threads import service as threads
from forum.threads.models import Post
from tests.conftest import PASSWORD, make_reply, make_thread, make_user

_bodies = iter(range(1_000_000))


async def _reply_by(author):
    thread = await make_thread(await make_user())
    reply = await make_reply(thread, author, f"Buy cheap watches at example.com ({next(_bodies)})")
    return await threads.get_post(reply.id)


async def test_a_member_flags_a_post_once(member, other_member):
    post = await _reply_by(other_member)
    await service.flag_post(post, member, reason="spam")
    with pytest.raises(Invalid) as caught:
        await service.flag_post(post, member, reason="inappropriate")
    assert "already" in caught.value.errors["reason"]
    assert await Flag.filter(post_id=post.id).count() == 1


async def test_a_flag_needs_a_known_reason_and_a_note_for_something_else(member, other_member):
    post = await _reply_by(other_member)
    with pytest.raises(Invalid) as caught:
        await service.flag_post(post, member, reason="boring")
    assert "reason" in caught.value.errors
    with pytest.raises(Invalid) as caught:
        await service.flag_post(post, member, reason="other", note=" ")
    assert "note" in caught.value.errors


async def test_flags_from_three_members_hide_the_post_pending_review(other_member):
    post = await _reply_by(other_member)
    for _number in range(3):
        assert (await Post.get(id=post.id)).hidden_at is None
        await service.flag_post(post, await make_user(), reason="spam")
    hidden = await Post.get(id=post.id)
    assert hidden.hidden_at is not None and "flags" in hidden.hidden_reason
    entry = await AuditEntry.get(action="auto_hide")
    assert entry.actor_id is None and entry.target_id == post.id


async def test_the_manager_sets_how_many_flags_hide_a_post(other_member):
    from forum.site import models as site

    await site.set_value("flags_to_hide", "1")
    post = await _reply_by(other_member)
    await service.flag_post(post, await make_user(), reason="spam")
    assert (await Post.get(id=post.id)).hidden_at is not None


async def test_a_member_can_flag_only_so_many_posts_a_day(member, other_member, monkeypatch):
    monkeypatch.setattr(service, "FLAGS_PER_DAY", 2)
    for _ in range(2):
        await service.flag_post(await _reply_by(other_member), member, reason="spam")
    with pytest.raises(Invalid) as caught:
        await service.flag_post(await _reply_by(other_member), member, reason="spam")
    assert "tomorrow" in caught.value.errors["reason"]


async def test_the_queue_groups_flags_per_post_oldest_first(member, other_member, moderator):
    first = await _reply_by(other_member)
    second = await _reply_by(other_member)
    await service.flag_post(first, member, reason="spam")
    await service.flag_post(second, member, reason="off_topic")
    await service.flag_post(first, moderator, reason="other", note="Link farm")
    items = await service.queue()
    assert [item.post.id for item in items] == [first.id, second.id]
    assert [flag.reason for flag in items[0].flags] == ["spam", "other"]
    assert items[0].author_posts == 2 and items[0].author_flags_upheld == 0


async def test_dismissing_flags_closes_them_and_shows_a_flag_hidden_post_again(
    other_member, moderator
):
    post = await _reply_by(other_member)
    for _ in range(3):
        await service.flag_post(post, await make_user(), reason="spam")
    await service.dismiss_flags(await threads.get_post(post.id), moderator, "Legit link")
    assert (await Post.get(id=post.id)).hidden_at is None
    assert set(await Flag.all().values_list("resolution", flat=True)) == {"dismissed"}
    assert await service.queue() == []
    entry = await AuditEntry.get(action="dismiss_flags")
    assert (entry.actor_id, entry.reason) == (moderator.id, "Legit link")


async def test_hiding_upholds_the_flags_and_needs_a_reason(member, other_member, moderator):
    post = await _reply_by(other_member)
    await service.flag_post(post, member, reason="spam")
    with pytest.raises(Invalid):
        await service.hide_post(post, moderator, "")
    await service.hide_post(post, moderator, "Advertising")
    stored = await Post.get(id=post.id)
    assert stored.hidden_reason == "Advertising"
    assert await Flag.filter(resolution="upheld").count() == 1
    assert (await service.queue()) == []


async def test_deleting_and_restoring_a_post_are_both_in_the_audit_log(other_member, moderator):
    post = await _reply_by(other_member)
    await service.delete_post(post, moderator, "Spam")
    await service.restore_post(await threads.get_post(post.id), moderator, "Was fine")
    assert (await Post.get(id=post.id)).deleted_at is None
    actions = await AuditEntry.all().order_by("id").values_list("action", "reason")
    assert actions == [("delete_post", "Spam"), ("restore_post", "Was fine")]


async def test_a_suspended_member_is_signed_out_and_told_why_at_sign_in(member, moderator):
    await accounts.start_session(member)
    await service.suspend_user(member, moderator, days="7", reason="Repeated spam")
    assert not await Session.filter(user_id=member.id).exists()
    with pytest.raises(Invalid) as caught:
        await accounts.authenticate("ana", PASSWORD, client="c")
    assert "suspended until" in caught.value.errors["login"]
    assert "Repeated spam" in caught.value.errors["login"]


async def test_a_suspension_lifts_itself_when_its_time_is_up(member, moderator):
    await service.suspend_user(member, moderator, days="1", reason="Cool down")
    await User.filter(id=member.id).update(suspended_until=datetime.now(UTC) - timedelta(seconds=1))
    assert (await accounts.authenticate("ana", PASSWORD, client="c")).id == member.id


async def test_a_silenced_member_reads_but_cannot_post(member, moderator):
    from forum import permissions

    thread = await make_thread(moderator)
    await service.silence_user(member, moderator, days="3", reason="Heated")
    silenced = await User.get(id=member.id)
    assert silenced.is_silenced and not permissions.reply(silenced, thread)
    await service.lift_sanctions(silenced, moderator, "Calmer now")
    assert permissions.reply(await User.get(id=member.id), thread)


async def test_staff_cannot_be_sanctioned(moderator, manager):
    with pytest.raises(Invalid):
        await service.suspend_user(moderator, manager, days="1", reason="No")


async def test_bad_periods_are_refused(member, moderator):
    for days in ("-1", "abc", "99999"):
        with pytest.raises(Invalid) as caught:
            await service.suspend_user(member, moderator, days=days, reason="Spam")
        assert "days" in caught.value.errors
    with pytest.raises(Invalid):
        await service.silence_user(member, moderator, days="", reason="Spam")


async def test_the_manager_promotes_a_member_and_back_but_not_themself(member, manager):
    await service.set_role(member, manager, "moderator")
    assert (await User.get(id=member.id)).role == "moderator"
    await service.set_role(await User.get(id=member.id), manager, "member")
    with pytest.raises(Invalid):
        await service.set_role(manager, manager, "member")
    assert await AuditEntry.filter(action__startswith="role_").count() == 2


async def test_the_member_record_gathers_everything_in_one_place(member, other_member, moderator):
    post = await _reply_by(other_member)
    await service.flag_post(post, member, reason="spam")
    await service.add_note(other_member, moderator, "Sells watches")
    record = await service.member_record(other_member)
    assert [flag.reason for flag in record.flags_received] == ["spam"]
    assert [note.body for note in record.notes] == ["Sells watches"]
    assert len(record.posts) == 1
    assert [entry.action for entry in record.actions] == ["add_note"]


async def test_deleting_a_spammer_removes_every_post_and_keeps_their_address_out(member, moderator):
    spammer = await make_user("spammy")
    thread = await make_thread(spammer, title="Cheap watches today")
    await make_reply(await threads.get_thread(thread.id), spammer, "More watches")
    answered = await make_thread(member)
    await make_reply(answered, spammer, "Watches!")
    removed = await service.delete_spammer(spammer, moderator, "Spam")
    assert removed == 3
    assert not await Post.filter(author_id=spammer.id, deleted_at__isnull=True).exists()
    assert await threads.get_thread(thread.id) is None
    assert (await threads.get_thread(answered.id)).reply_count == 0
    assert not (await User.get(id=spammer.id)).is_active
    # Signing up again with the address makes no new account, and mails the old one nothing.
    await accounts.register("spammy2", "spammy@example.com", PASSWORD, client="c9")
    assert not await User.filter(username="spammy2").exists()
    assert await User.filter(email_key="spammy@example.com").count() == 1
    assert not await OutboxMessage.filter(kind="account_exists").exists()


async def test_delete_and_silence_deletes_the_post_and_pauses_its_author(other_member, moderator):
    post = await _reply_by(other_member)
    await service.delete_and_silence(post, moderator, "Insults")
    assert (await Post.get(id=post.id)).deleted_at is not None
    assert (await User.get(id=other_member.id)).is_silenced
    actions = set(await AuditEntry.all().values_list("action", flat=True))
    assert {"delete_post", "silence"} <= actions


async def test_deleting_a_spammer_upholds_the_flags_and_tells_the_flaggers(member, moderator):
    from forum.advocacy import service as advocacy
    from forum.notifications.models import Notification

    spammer = await make_user("spammy")
    thread = await make_thread(member)
    post = await threads.get_post((await make_reply(thread, spammer, "Buy watches")).id)
    await service.flag_post(post, member, reason="spam")
    await service.delete_spammer(spammer, moderator, "Spam")
    assert await Flag.filter(post_id=post.id, resolution="upheld").count() == 1
    assert await Notification.exists(user_id=member.id, kind="flag_upheld")
    assert any(e.reason == "flag_upheld" for e in await advocacy.history(member))
