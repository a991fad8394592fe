"""E-mail a member receives over real SMTP: confirming the address, the welcome message,
password resets, notification e-mails, digests and win-back messages, and unsubscribing."""

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from forum.accounts import service as accounts
from forum.accounts.models import Session, User
from forum.mail import service as mail
from forum.mail.models import OutboxMessage
from forum.notifications import service
from forum.notifications.models import Notification, Preference
from forum.site import models as site
from tests.conftest import PASSWORD, csrf_from, login, make_reply, make_thread, make_user, submit


def _link(message, path: str) -> str:
    """The first absolute link to `path` in the message's plain-text part."""
    text = message.get_body(("plain",)).get_content()
    match = re.search(r"http://127\.0\.0\.1:8000(" + re.escape(path) + r"[^\s]*)", text)
    assert match, f"no {path} link in:\n{text}"
    return match.group(1)


def _parts(message) -> tuple[str, str]:
    return (message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content())


async def _due_now() -> None:
    """Let the e-mail delay pass."""
    await Notification.filter(email_due_at__isnull=False).update(
        email_due_at=datetime.now(UTC) - timedelta(seconds=1)
    )


async def _register(client: httpx.AsyncClient, name: str = "carla") -> httpx.Response:
    page = await client.get("/register")
    return await client.post("/register", data={
        "username": name, "email": f"{name}@example.com", "password": PASSWORD,
        "csrf_token": csrf_from(page.text),
    })  # fmt: skip


async def test_sign_up_mails_a_link_that_confirms_the_address_and_welcomes(client, smtp_server):
    await _register(client)
    [verify] = await smtp_server.deliver()
    assert verify["To"] == "carla <carla@example.com>"
    assert "Confirm your e-mail address" in verify["Subject"]
    assert verify["List-Unsubscribe"] is None  # an account message, asked for just now
    text, html = _parts(verify)
    assert "/verify/" in text and "/verify/" in html
    assert "To finish signing up as carla" in text
    user = await User.get(username="carla")
    assert user.email_verified_at is None and user.awaiting_confirmation

    page = await client.get(_link(verify, "/verify/"))
    assert page.status_code == 303 and page.headers["location"].startswith("/welcome")
    assert (await User.get(id=user.id)).email_verified_at is not None
    [welcome] = await smtp_server.deliver()
    assert welcome["Subject"] == "Welcome to Community"
    text, html = _parts(welcome)
    assert "How to get help" in text and "How to get help" in html
    assert "http://127.0.0.1:8000/settings/notifications" in text
    assert "http://127.0.0.1:8000/settings/interests" in text
    assert 'href="http://127.0.0.1:8000/settings/interests"' in html
    assert welcome["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    await client.get(_link(verify, "/verify/"))  # a second click welcomes nobody twice
    assert await smtp_server.deliver() == []


async def test_a_link_for_an_old_address_no_longer_confirms(client, member, smtp_server):
    await User.filter(id=member.id).update(email_verified_at=None)
    await accounts.send_verification(await User.get(id=member.id))
    [old] = await smtp_server.deliver()
    await login(client, member)
    change = {"action": "email", "email": "ana.new@example.com", "password": PASSWORD}
    await submit(client, "/settings/account", change)
    [new] = await smtp_server.deliver()
    assert new["To"].addresses[0].addr_spec == "ana.new@example.com"
    assert (await client.get(_link(old, "/verify/"))).status_code == 404
    assert (await client.get(_link(new, "/verify/"))).status_code == 200


async def test_a_password_reset_link_works_once(client, member, smtp_server):
    await login(client, member)  # a session the reset must end
    fresh = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")
    page = await fresh.get("/password-reset")
    known = await fresh.post("/password-reset", data={
        "email": "ANA@example.com", "csrf_token": csrf_from(page.text)})  # fmt: skip
    unknown = await fresh.post("/password-reset", data={
        "email": "nobody@example.com", "csrf_token": csrf_from(page.text)})  # fmt: skip
    # The same answer either way: the form does not tell which addresses have accounts.
    assert known.text.replace("ANA@example.com", "X") == unknown.text.replace(
        "nobody@example.com", "X"
    )
    [message] = await smtp_server.deliver()
    link = _link(message, "/password-reset/")

    form = await fresh.get(link)
    assert form.status_code == 200
    done = await fresh.post(link, data={"password": "a brand new secret",
                                        "csrf_token": csrf_from(form.text)})  # fmt: skip
    assert done.status_code == 303
    assert await Session.filter(user_id=member.id).count() == 1  # only the new one
    await accounts.authenticate("ana", "a brand new secret", client="x")
    again = await fresh.get(link)
    assert again.status_code == 404
    assert "expired or was already used" in again.text


async def test_an_old_reset_link_has_expired(client, member, smtp_server, monkeypatch):
    await accounts.request_password_reset(member.email, client="x")
    [message] = await smtp_server.deliver()
    monkeypatch.setattr(accounts, "RESET_SECONDS", -1)
    assert (await client.get(_link(message, "/password-reset/"))).status_code == 404


async def test_a_short_reset_password_is_refused_and_the_link_still_works(
    client, member, smtp_server
):
    await accounts.request_password_reset(member.email, client="x")
    [message] = await smtp_server.deliver()
    link = _link(message, "/password-reset/")
    form = await client.get(link)
    refused = await client.post(
        link, data={"password": "short", "csrf_token": csrf_from(form.text)}
    )
    assert refused.status_code == 400
    assert "at least 10 characters" in refused.text
    assert (await client.get(link)).status_code == 200


async def test_a_reply_is_mailed_after_the_delay_with_an_unsubscribe_link(
    client, member, other_member, smtp_server
):
    thread = await make_thread(member, title="Firmware 2.1 bricked my lamp")
    await make_reply(thread, other_member, "Roll back with the recovery tool.")
    service_result = await service.mail_due_notifications()
    assert service_result.sent == 0  # not yet: it may still be read on the site
    await _due_now()
    assert (await service.mail_due_notifications()).sent == 1
    [message] = await smtp_server.deliver()
    assert message["Subject"] == "boris replied in “Firmware 2.1 bricked my lamp”"
    text, html = _parts(message)
    assert "Roll back with the recovery tool." in text and "Roll back" in html
    assert "http://127.0.0.1:8000/p/" in text
    assert message["From"].startswith("Community <")
    unsubscribe = message["List-Unsubscribe"].strip("<>")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # The mail client's one-click POST: no session, no CSRF token.
    anonymous = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")
    response = await anonymous.post(unsubscribe.removeprefix("http://127.0.0.1:8000"),
                                     data={"List-Unsubscribe": "One-Click"})  # fmt: skip
    assert response.status_code == 200
    assert service.channel((await service.preference(member)).channels, "reply") == "app"
    await make_reply(thread, other_member, "Did it work?")
    await _due_now()
    assert (await service.mail_due_notifications()).sent == 0
    # Still shown on the site, folded into the unread one the e-mail was about.
    assert await Notification.filter(user_id=member.id, kind="reply").count() == 1
    await login(client, member)
    shown = (await client.get("/notifications")).text
    assert "2 new posts in “Firmware 2.1 bricked my lamp”, the latest by boris" in shown


async def test_the_unsubscribe_link_asks_first_and_a_forged_one_is_refused(client, member):
    url = mail.unsubscribe_url(member.id, "digest").removeprefix("http://127.0.0.1:8000")
    page = await client.get(url)
    assert page.status_code == 200 and "Unsubscribe" in page.text
    assert (await service.preference(member)).digest == "weekly"  # a GET changes nothing
    await client.post(url)
    assert (await service.preference(member)).digest == "never"
    assert (await client.get(url[:-3] + "abc")).status_code == 404
    assert (await client.post(url[:-3] + "abc")).status_code == 404


async def test_a_notification_read_on_the_site_is_not_mailed(
    client, member, other_member, smtp_server
):
    thread = await make_thread(member)
    await make_reply(thread, other_member, "Seen it?")
    await login(client, member)
    await client.get(thread.url)
    await _due_now()
    await service.mail_due_notifications()
    assert await smtp_server.deliver() == []


@pytest.mark.parametrize("switch", ["unverified", "no_email", "cap", "own_cap"])
async def test_no_mail_when_the_member_cannot_or_will_not_get_it(
    member, other_member, smtp_server, switch, monkeypatch
):
    if switch == "unverified":
        await User.filter(id=member.id).update(email_verified_at=None)
    elif switch == "no_email":
        await Preference.create(user=member, no_email=True)
    elif switch == "own_cap":
        await Preference.create(user=member, daily_cap=1)
    else:
        monkeypatch.setitem(site.DEFAULTS, "email_daily_cap", "1")
        site.forget()
    thread = await make_thread(member)
    await make_reply(thread, other_member, "One")
    await make_reply(thread, other_member, "Two")
    await _due_now()
    await service.mail_due_notifications()
    delivered = await smtp_server.deliver()
    assert len(delivered) == (1 if switch.endswith("cap") else 0)


async def test_names_cannot_inject_headers(member, smtp_server):
    await User.filter(id=member.id).update(display_name="Ana\r\nBcc: evil@example.net")
    user = await User.get(id=member.id)
    await mail.enqueue(user, "welcome", "welcome", topic="all")
    [message] = await smtp_server.deliver()
    assert message["Bcc"] is None
    assert smtp_server.received[0].recipients == ["ana@example.com"]


async def test_the_weekly_digest_lists_popular_threads_once_a_week(
    member, other_member, smtp_server
):
    week_ago = datetime.now(UTC) - timedelta(days=8)
    await User.filter(id=member.id).update(created_at=week_ago)
    busy = await make_thread(other_member, title="Which bulbs work with the hub?")
    for n in range(3):
        await make_reply(busy, await make_user(), f"Answer {n}")
    assert await service.send_digests() == 1
    assert await service.send_digests() == 0  # not again this week
    [digest] = await smtp_server.deliver()
    assert digest["Subject"] == "Your weekly digest from Community"
    assert "Which bulbs work with the hub?" in _parts(digest)[0]
    assert digest["List-Unsubscribe"]


async def test_the_win_back_message_stops_after_two_unanswered(member, other_member, smtp_server):
    long_ago = datetime.now(UTC) - timedelta(days=40)
    await User.filter(id=member.id).update(created_at=long_ago, last_seen_at=long_ago)
    await make_thread(other_member, title="New colour presets are out")
    assert await service.send_winbacks() == 1
    assert await service.send_winbacks() == 0  # at most once a period
    [message] = await smtp_server.deliver()
    assert message["Subject"] == "What you missed at Community"
    assert "New colour presets are out" in _parts(message)[0]
    for expected in (1, 0):  # a second period: one more; a third: none, two went unanswered
        await Preference.filter(user_id=member.id).update(
            winback_sent_at=datetime.now(UTC) - timedelta(days=31)
        )
        assert await service.send_winbacks() == expected


async def test_staff_see_what_was_mailed_to_a_member_but_not_its_contents(
    client, member, moderator, smtp_server
):
    await accounts.request_password_reset(member.email, client="x")
    await smtp_server.deliver()
    await login(client, moderator)
    page = (await client.get(f"/mod/users/{member.username}")).text
    assert "Reset your password for Community" in page
    assert "/password-reset/" not in page
    assert await OutboxMessage.filter(user_id=member.id, sent_at__isnull=False).count() == 1
