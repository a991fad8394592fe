"""Flagging and moderating through HTTP, as members and staff do it in the browser."""

from datetime import UTC, datetime, timedelta

from forum.moderation import service
from forum.moderation.models import AuditEntry, Flag, StaffNote
from forum.threads import service as threads
from forum.threads.models import Post
from tests.conftest import PASSWORD, csrf_token, login, make_reply, make_thread, make_user, submit


async def _reply(author, body="Visit my shop for cheap deals"):
    thread = await make_thread(await make_user(), title="Battery question")
    return await make_reply(thread, author, body)


async def test_a_member_flags_a_post_from_the_thread_and_is_thanked(client, member, other_member):
    reply = await _reply(other_member)
    await login(client, member)
    page = await client.get(f"/t/{reply.thread.id}/{reply.thread.slug}")
    assert f'href="/p/{reply.id}/flag"' in page.text
    response = await submit(client, f"/p/{reply.id}/flag", {"reason": "spam"})
    assert response.status_code == 303
    thanked = await client.get(response.headers["location"])
    assert "The moderators will look" in thanked.text
    assert await Flag.filter(post_id=reply.id, user_id=member.id).exists()


async def test_a_flag_without_a_reason_keeps_the_note(client, member, other_member):
    reply = await _reply(other_member)
    await login(client, member)
    response = await submit(client, f"/p/{reply.id}/flag", {"reason": "", "note": "Odd link"})
    assert response.status_code == 400
    assert 'id="reason-error"' in response.text and "Odd link</textarea>" in response.text


async def test_nobody_flags_their_own_post(client, other_member):
    reply = await _reply(other_member)
    await login(client, other_member)
    assert (await submit(client, f"/p/{reply.id}/flag", {"reason": "spam"})).status_code == 403


async def test_a_moderator_resolves_a_flag_from_the_queue(client, member, other_member, moderator):
    reply = await _reply(other_member)
    await service.flag_post(await threads.get_post(reply.id), member, reason="spam")
    await login(client, moderator)
    home = await client.get("/")
    assert 'class="count-badge">1<' in home.text
    queue = await client.get("/mod/queue")
    assert "Visit my shop" in queue.text and "Spam" in queue.text
    response = await submit(
        client, f"/mod/queue/decide?only={reply.id}", {"action": "hide", "reason": "Advertising"}
    )
    assert response.status_code == 303
    assert "Nothing waits for a decision" in (await client.get("/mod/queue")).text
    assert (await Post.get(id=reply.id)).hidden_reason == "Advertising"
    log = await client.get("/mod/audit")
    assert "<td>hid a post</td>" in log.text and "Advertising" in log.text


async def test_bulk_actions_decide_every_selected_post(client, member, other_member, moderator):
    replies = [await _reply(other_member, f"Spam number {n}") for n in range(3)]
    for reply in replies:
        await service.flag_post(await threads.get_post(reply.id), member, reason="spam")
    await login(client, moderator)
    response = await client.post(
        "/mod/queue/decide",
        data={"action": "delete", "reason": "", "post": [str(r.id) for r in replies[:2]],
              "csrf_token": csrf_token(client)},
    )  # fmt: skip
    assert response.status_code == 303
    left = await service.queue()
    assert [item.post.id for item in left] == [replies[2].id]
    assert await Post.filter(deleted_at__isnull=False).count() == 2


async def test_a_hidden_post_shows_a_placeholder_and_its_author_sees_why(
    client, member, other_member, moderator
):
    reply = await _reply(other_member, "Rude words here")
    await service.hide_post(await threads.get_post(reply.id), moderator, "Be kind")
    url = f"/t/{reply.thread.id}/{reply.thread.slug}"
    await login(client, member)
    page = await client.get(url)
    assert "hidden while the moderators review it" in page.text and "Rude words" not in page.text
    await login(client, other_member)
    page = await client.get(url)
    assert "Rude words here" in page.text and "Be kind" in page.text


async def test_staff_hide_with_a_reason_from_the_thread_page(client, other_member, moderator):
    reply = await _reply(other_member)
    await login(client, moderator)
    form = await client.get(f"/mod/posts/{reply.id}/hide")
    assert form.status_code == 200
    missing = await submit(client, f"/mod/posts/{reply.id}/hide/do", {"reason": ""})
    assert missing.status_code == 400 and 'id="reason-error"' in missing.text
    done = await submit(client, f"/mod/posts/{reply.id}/hide/do", {"reason": "Off topic"})
    assert done.status_code == 303
    assert await AuditEntry.filter(action="hide_post", reason="Off topic").exists()


async def test_staff_restore_a_deleted_post(client, other_member, moderator):
    reply = await _reply(other_member)
    await threads.delete_post(await threads.get_post(reply.id), other_member)
    await login(client, moderator)
    assert (
        f'href="/mod/posts/{reply.id}/restore"'
        in (await client.get(f"/t/{reply.thread.id}/{reply.thread.slug}")).text
    )
    await submit(client, f"/mod/posts/{reply.id}/restore/do", {"reason": ""})
    assert (await Post.get(id=reply.id)).deleted_at is None


async def test_a_moderator_suspends_a_member_who_then_cannot_log_in_and_sees_why(
    client, member, moderator
):
    await login(client, moderator)
    response = await submit(
        client, "/mod/users/ana/act", {"action": "suspend", "days": "3", "reason": "Spam links"}
    )
    assert response.status_code == 303
    record = await client.get("/mod/users/ana")
    assert "Suspended" in record.text and "Spam links" in record.text
    client.cookies.clear()
    login_page = await submit(client, "/login", {"login": "ana", "password": PASSWORD})
    assert login_page.status_code == 400
    assert "suspended until" in login_page.text and "Spam links" in login_page.text


async def test_a_bad_sanction_keeps_the_reason_typed(client, member, moderator):
    await login(client, moderator)
    response = await submit(
        client, "/mod/users/ana/act", {"action": "silence", "days": "x", "reason": "Too loud"}
    )
    assert response.status_code == 400
    assert 'id="days-error"' in response.text and 'value="Too loud"' in response.text


async def test_staff_notes_are_private_to_staff(client, member, moderator):
    await login(client, moderator)
    await submit(client, "/mod/users/ana/act", {"action": "note", "body": "Asked twice politely"})
    assert await StaffNote.filter(user_id=member.id).exists()
    assert "Asked twice politely" in (await client.get("/mod/users/ana")).text
    await login(client, member)
    assert (await client.get("/mod/users/ana")).status_code == 403
    assert "Asked twice politely" not in (await client.get("/u/ana")).text


async def test_the_manager_makes_a_moderator_who_then_reaches_the_queue(client, member, manager):
    await login(client, manager)
    response = await submit(client, "/admin/staff", {"username": "ANA", "role": "moderator"})
    assert response.status_code == 303
    assert "ana" in (await client.get("/admin/staff")).text
    await login(client, member)
    assert (await client.get("/mod/queue")).status_code == 200


async def test_promoting_an_unknown_member_says_so(client, manager):
    await login(client, manager)
    response = await submit(client, "/admin/staff", {"username": "ghost", "role": "moderator"})
    assert response.status_code == 400 and "No member has that username." in response.text


async def test_the_audit_log_filters_by_staff_member_and_action(client, member, moderator, manager):
    await service.add_note(member, moderator, "One")
    await service.set_role(member, manager, "moderator")
    await login(client, manager)
    by_mod = await client.get("/mod/audit?actor=mod")
    assert "<td>added a staff note</td>" in by_mod.text
    assert "<td>made a moderator</td>" not in by_mod.text
    by_action = await client.get("/mod/audit?action=role_moderator")
    assert "<td>made a moderator</td>" in by_action.text
    assert "<td>added a staff note</td>" not in by_action.text


async def test_staff_editing_someone_elses_post_give_a_reason_the_author_sees(
    client, member, other_member, moderator
):
    reply = await _reply(other_member, "Call me on +1 555 0100")
    await login(client, moderator)
    missing = await submit(client, f"/p/{reply.id}/edit", {"body": "Call me (number removed)"})
    assert missing.status_code == 400 and 'id="reason-error"' in missing.text
    done = await submit(
        client, f"/p/{reply.id}/edit",
        {"body": "Call me (number removed)", "reason": "No phone numbers, for your safety"},
    )  # fmt: skip
    assert done.status_code == 303
    entry = await AuditEntry.get(action="edit_post")
    assert (entry.actor_id, entry.reason) == (moderator.id, "No phone numbers, for your safety")
    url = f"/t/{reply.thread.id}/{reply.thread.slug}"
    await login(client, other_member)
    assert "Edited by a moderator: No phone numbers" in (await client.get(url)).text
    await login(client, member)
    assert "Edited by a moderator" not in (await client.get(url)).text


async def test_staff_read_a_deleted_thread_and_restore_it(client, member, moderator):
    thread = await make_thread(member, title="Deleted by mistake")
    first = await threads.get_post((await Post.get(thread_id=thread.id, number=1)).id)
    await service.delete_post(first, moderator, "Oops")
    assert (await client.get(thread.url)).status_code == 404
    await login(client, moderator)
    page = await client.get(thread.url)
    assert page.status_code == 200 and "This thread is deleted" in page.text
    await submit(client, f"/mod/posts/{first.id}/restore/do", {"reason": "Was fine"})
    client.cookies.clear()
    assert (await client.get(thread.url)).status_code == 200


async def test_the_audit_log_filters_by_target_and_date(client, member, other_member, moderator):
    await service.add_note(member, moderator, "About ana")
    await service.add_note(other_member, moderator, "About boris")
    await login(client, moderator)
    by_target = await client.get("/mod/audit?target=bor")
    assert ">boris</a>" in by_target.text and ">ana</a>" not in by_target.text
    today = datetime.now(UTC).date()
    this_day = await client.get(f"/mod/audit?since={today}&until={today}")
    assert ">ana</a>" in this_day.text
    tomorrow = today + timedelta(days=1)
    assert "No staff action matches" in (await client.get(f"/mod/audit?since={tomorrow}")).text
    assert (await client.get("/mod/audit?since=not-a-date")).status_code == 200
