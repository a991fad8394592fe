"""Sessions and accounts under attack: fixation, revocation, cookie flags, password guessing,
reset links, account enumeration and open redirects through `next=`."""

import re
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import httpx
import itsdangerous.timed
import pytest
from argon2 import PasswordHasher
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from forum import web
from forum.accounts import service as accounts
from forum.accounts.models import Session, User
from forum.mail.models import OutboxMessage
from forum.settings import settings
from forum.threads.models import Post
from tests.conftest import PASSWORD, csrf_from, login, make_reply, make_thread, submit

NEW_PASSWORD = "a brand new secret"
LOCKED = "Too many failed sign-ins"
NO_MATCH = "That username or e-mail and password do not match."


@pytest.fixture
def browser(app) -> Callable:
    """Another browser on the same forum, from its own address (`ip`), optionally over https."""

    @asynccontextmanager
    async def open_browser(
        ip: str = "198.51.100.1", scheme: str = "http", wrap=None
    ) -> AsyncIterator[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=wrap(app) if wrap else app, client=(ip, 50000))
        base_url = f"{scheme}://testserver"
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client

    return open_browser


def session_cookie(response: httpx.Response) -> str | None:
    """The Set-Cookie header for the session, if the response sets one."""
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(f"{web.COOKIE_NAME}="):
            return header
    return None


async def sign_in(
    client: httpx.AsyncClient, login_name: str, password: str = PASSWORD
) -> httpx.Response:
    """Log in through the form, as a browser does: the page first, then the POST."""
    page = await client.get("/login")
    data = {"login": login_name, "password": password, "csrf_token": csrf_from(page.text)}
    return await client.post("/login", data=data)


def set_session(client: httpx.AsyncClient, value: str) -> None:
    """Put a session cookie into a browser, where the server's own Set-Cookie would."""
    client.cookies.jar.clear()
    client.cookies.set(web.COOKIE_NAME, value, domain="testserver.local")


def without_token(page: str) -> str:
    """The page without its per-session CSRF token, to compare two answers."""
    return re.sub(r'name="csrf_token" value="[^"]+"', "", page)


async def signed_in(client: httpx.AsyncClient) -> bool:
    return (await client.get("/settings/account")).status_code == 200


# --- Session ids: fresh at login, dead at logout, password change, reset and suspension


async def test_signing_in_issues_a_new_session_id_and_the_old_one_stays_a_guest(browser, member):
    async with browser() as client:
        page = await client.get("/login")
        before = client.cookies[web.COOKIE_NAME]  # the guest session the form's token is for
        data = {"login": "ana", "password": PASSWORD, "csrf_token": csrf_from(page.text)}
        response = await client.post("/login", data=data)
        assert response.status_code == 303
        after = client.cookies[web.COOKIE_NAME]
        assert after != before
        assert await signed_in(client)
    async with browser() as replay:
        set_session(replay, before)
        assert not await signed_in(replay)


async def test_a_session_id_planted_in_a_victims_browser_never_becomes_signed_in(browser, member):
    async with browser("203.0.113.66") as attacker, browser() as victim:
        await attacker.get("/login")
        planted = attacker.cookies[web.COOKIE_NAME]  # a valid, signed guest cookie
        set_session(victim, planted)
        response = await sign_in(victim, "ana")
        assert response.status_code == 303
        assert victim.cookies[web.COOKIE_NAME] != planted
        assert await signed_in(victim)
        assert not await signed_in(attacker)


async def test_logging_out_ends_the_session_on_the_server_not_only_in_the_browser(browser, member):
    async with browser() as client, browser() as thief:
        await sign_in(client, "ana")
        stolen = client.cookies[web.COOKIE_NAME]
        set_session(thief, stolen)
        assert await signed_in(thief)
        response = await submit(client, "/logout")
        assert response.status_code == 303
        assert "Max-Age=0" in session_cookie(response)
        assert not await Session.filter(user_id=member.id).exists()
        assert not await signed_in(thief)


async def test_a_new_password_ends_every_other_session_and_keeps_this_one(browser, member):
    async with browser() as here, browser("198.51.100.2") as elsewhere:
        await sign_in(here, "ana")
        await sign_in(elsewhere, "ana")
        kept = here.cookies[web.COOKIE_NAME]
        form = {"action": "password", "current_password": PASSWORD, "new_password": NEW_PASSWORD}
        response = await submit(here, "/settings/account", form)
        assert response.headers["location"] == "/settings/account?done=password"
        # This browser stays signed in on the same session (it just proved the password).
        assert session_cookie(response) is None and here.cookies[web.COOKIE_NAME] == kept
        assert await signed_in(here)
        assert not await signed_in(elsewhere)
        assert await Session.filter(user_id=member.id).count() == 1
    async with browser("198.51.100.3") as other:
        assert (await sign_in(other, "ana")).status_code == 400
        assert (await sign_in(other, "ana", NEW_PASSWORD)).status_code == 303


async def test_a_password_reset_ends_every_session_and_signs_in_afresh(client, browser, member):
    await login(client, member)
    async with browser() as fresh:
        page = await fresh.get("/password-reset")
        await fresh.post("/password-reset", data={"email": member.email,
                                                  "csrf_token": csrf_from(page.text)})  # fmt: skip
        link = await _reset_link(member)
        form = await fresh.get(link)
        done = await fresh.post(link, data={"password": NEW_PASSWORD,
                                            "csrf_token": csrf_from(form.text)})  # fmt: skip
        assert done.status_code == 303
        assert await signed_in(fresh)
    assert not await signed_in(client)
    assert await Session.filter(user_id=member.id).count() == 1


async def test_a_suspension_ends_the_members_sessions_at_once(client, browser, member, moderator):
    await login(client, member)
    assert await signed_in(client)
    async with browser() as staff:
        await login(staff, moderator)
        form = {"action": "suspend", "days": "7", "reason": "Insulted other members"}
        response = await submit(staff, f"/mod/users/{member.username}/act", form)
        assert response.status_code == 303
    assert not await Session.filter(user_id=member.id).exists()
    response = await client.get("/settings/account")
    assert response.headers["location"].startswith("/login?next=")


async def test_a_suspended_member_signing_in_is_told_until_when_and_why(client, member, moderator):
    from forum.moderation import service as moderation

    await moderation.suspend_user(member, moderator, days="7", reason="Insulted other members")
    response = await sign_in(client, "ana")
    assert response.status_code == 400
    assert "This account is suspended until" in response.text
    assert "Reason: Insulted other members" in response.text
    assert not await Session.filter(user_id=member.id).exists()
    # Only with the right password: a guess learns nothing about the account.
    response = await sign_in(client, "ana", "wrong password!")
    assert NO_MATCH in response.text and "suspended" not in response.text


async def test_a_session_left_behind_by_a_suspended_member_counts_for_nothing(client, member):
    from datetime import UTC, datetime

    thread = await make_thread(member, title="Descaling the kettle")
    await login(client, member)  # a session row made after the fact (a race, a restore)
    await User.filter(id=member.id).update(suspended_at=datetime.now(UTC))
    from forum import pagecache

    await pagecache.bump()  # the suspension was written behind the app's back
    assert not await signed_in(client)
    response = await submit(client, f"/t/{thread.id}/reply", {"body": "Still here, spamming"})
    assert response.status_code == 403
    assert not await Post.filter(body="Still here, spamming").exists()


# --- Cookie flags


def _flags(header: str) -> set[str]:
    return {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}


async def test_the_session_cookie_is_httponly_and_samesite_lax_but_not_secure_over_http(
    browser, member
):
    async with browser() as client:
        header = session_cookie(await sign_in(client, "ana"))
        assert {"httponly", "samesite", "path", "max-age"} <= _flags(header)
        assert "SameSite=Lax" in header
        assert "secure" not in _flags(header)  # a browser would drop it on http://


async def test_cookies_are_secure_when_the_sites_address_is_https(browser, database, monkeypatch):
    """Even where TLS ends at a proxy that does not say so: a browser sends them back only
    over https."""
    monkeypatch.setattr(settings, "base_url", "https://forum.example")
    async with browser() as client:
        assert "secure" in _flags(session_cookie(await client.get("/login")))
        language = (await client.get("/language/tr")).headers["set-cookie"]
        assert "secure" in _flags(language)


async def test_cookies_are_secure_when_the_request_came_over_https(browser, member):
    async with browser(scheme="https") as client:
        assert "secure" in _flags(session_cookie(await client.get("/login")))
        assert "secure" in _flags(session_cookie(await sign_in(client, "ana")))
        assert "secure" in _flags(session_cookie(await submit(client, "/logout")))
        language = (await client.get("/language/tr")).headers["set-cookie"]
        assert language.startswith("forum_lang=") and "secure" in _flags(language)


async def test_a_clients_own_forwarded_proto_header_is_not_believed(browser):
    async with browser() as client:
        response = await client.get("/login", headers={"x-forwarded-proto": "https"})
        assert "secure" not in _flags(session_cookie(response))


async def test_behind_a_trusted_proxy_its_forwarded_proto_marks_cookies_secure(browser):
    """What `run.py serve --proxy-headers` does: uvicorn believes the proxy at a trusted
    address, and the forum sees the request as https."""

    def behind_proxy(app):
        return ProxyHeadersMiddleware(app, trusted_hosts="10.0.0.2")

    async with browser("10.0.0.2", wrap=behind_proxy) as proxy:
        response = await proxy.get("/login", headers={"x-forwarded-proto": "https"})
        assert "secure" in _flags(session_cookie(response))
    async with browser("198.51.100.9", wrap=behind_proxy) as stranger:
        response = await stranger.get("/login", headers={"x-forwarded-proto": "https"})
        assert "secure" not in _flags(session_cookie(response))


# --- Password guessing


async def test_one_account_locks_after_five_failures_from_as_many_addresses(browser, member):
    for number in range(accounts.LOGIN_FAILURES_PER_ACCOUNT):
        async with browser(f"198.51.100.{10 + number}") as client:
            assert (await sign_in(client, "ana", "wrong password!")).status_code == 400
    async with browser("198.51.100.99") as client:
        response = await sign_in(client, "ana")  # the right password, from a new address
        assert response.status_code == 429 and LOCKED in response.text
        assert not await signed_in(client)


async def test_one_address_locks_after_many_failures_across_accounts(browser, member):
    async with browser("192.0.2.50") as client:
        for number in range(accounts.LOGIN_FAILURES_PER_CLIENT):
            await sign_in(client, f"someone{number}", "wrong password!")
        response = await sign_in(client, "ana")
        assert response.status_code == 429 and LOCKED in response.text
    async with browser("192.0.2.51") as neighbour:
        assert (await sign_in(neighbour, "ana")).status_code == 303


async def test_an_account_that_does_not_exist_locks_like_one_that_does(browser, member):
    """Otherwise six wrong guesses would tell which addresses have an account."""
    answers = {}
    for login_name in (member.email, "nobody@example.com"):
        for number in range(accounts.LOGIN_FAILURES_PER_ACCOUNT):
            async with browser(f"198.51.100.{10 + number}") as client:
                assert (await sign_in(client, login_name, "wrong!")).status_code == 400
        async with browser("198.51.100.99") as client:
            response = await sign_in(client, login_name, "wrong!")
            page = without_token(response.text.replace(login_name, "X"))
            answers[login_name] = (response.status_code, page)
    assert answers[member.email] == answers["nobody@example.com"]
    assert answers[member.email][0] == 429


# --- Account enumeration


async def test_login_answers_the_same_for_unknown_accounts_and_wrong_passwords(client, member):
    answers = set()
    for login_name in ("ana", "ana@example.com", "nobody", "nobody@example.com"):
        response = await sign_in(client, login_name, "wrong password!")
        assert response.status_code == 400 and NO_MATCH in response.text
        page = response.text.replace(f'value="{login_name}"', 'value="X"')
        answers.add(without_token(page))
    assert len(answers) == 1


async def test_an_unknown_account_costs_the_same_password_hashing_as_a_wrong_password(
    member, monkeypatch
):
    """The answer takes as long either way: Argon2 runs once for each."""
    calls = []

    class Counting(PasswordHasher):
        def hash(self, *args, **kwargs):
            calls.append("hash")
            return super().hash(*args, **kwargs)

        def verify(self, *args, **kwargs):
            calls.append("verify")
            return super().verify(*args, **kwargs)

    monkeypatch.setattr(accounts, "hasher", Counting(time_cost=1, memory_cost=1024))
    for login_name in ("ana", "nobody", "nobody@example.com"):
        calls.clear()
        with pytest.raises(accounts.Invalid):
            await accounts.authenticate(login_name, "wrong password!", client=login_name)
        assert len(calls) == 1, (login_name, calls)


async def test_a_reset_request_answers_the_same_whether_or_not_the_address_has_an_account(
    client, member
):
    answers = []
    for address in (member.email, "nobody@example.com"):
        page = await client.get("/password-reset")
        response = await client.post("/password-reset", data={
            "email": address, "csrf_token": csrf_from(page.text)})  # fmt: skip
        answers.append((response.status_code, without_token(response.text.replace(address, "X"))))
    assert answers[0] == answers[1]
    assert await OutboxMessage.filter(kind="reset").count() == 1  # mailed to the owner only


async def _sign_up(client: httpx.AsyncClient, username: str, address: str) -> httpx.Response:
    page = await client.get("/register")
    return await client.post("/register", data={
        "username": username, "email": address, "password": NEW_PASSWORD,
        "csrf_token": csrf_from(page.text)})  # fmt: skip


async def test_registration_answers_the_same_whether_or_not_the_address_has_an_account(
    browser, member
):
    """Signing up with a taken address looks exactly like signing up with a free one; the
    address's holder is told by e-mail, and no second account appears."""
    answers = []
    for number, address in enumerate((member.email, "nobody@example.com")):
        async with browser(f"192.0.2.{number + 1}") as client:
            response = await _sign_up(client, f"probe{number}", address)
            page = without_token(response.text.replace(address, "X"))
            answers.append((response.status_code, page.replace(f"probe{number}", "P")))
    assert answers[0] == answers[1] and answers[0][0] == 200
    assert await User.filter(email_key=member.email_key).count() == 1
    assert not await User.filter(username="probe0").exists()
    [notice] = await OutboxMessage.filter(kind="account_exists")
    assert notice.to_address == member.email and member.username in notice.text
    assert "/password-reset" in notice.text
    [link] = await OutboxMessage.filter(kind="verify")
    assert link.to_address == "nobody@example.com"


async def test_a_taken_address_costs_the_same_password_hashing_as_a_free_one(member, monkeypatch):
    calls = []

    class Counting(PasswordHasher):
        def hash(self, *args, **kwargs):
            calls.append("hash")
            return super().hash(*args, **kwargs)

    monkeypatch.setattr(accounts, "hasher", Counting(time_cost=1, memory_cost=1024))
    for address in (member.email, "nobody@example.com"):
        calls.clear()
        await accounts.register("probe", address, NEW_PASSWORD, client=address)
        assert calls == ["hash"], (address, calls)


async def test_the_holder_of_a_taken_address_is_mailed_a_few_times_an_hour_at_most(browser, member):
    for number in range(accounts.MAILS_PER_ACCOUNT + 2):
        async with browser(f"192.0.2.{number + 1}") as client:
            response = await _sign_up(client, f"probe{number}", member.email)
            assert response.status_code == 200 and "Check your inbox" in response.text
    assert await OutboxMessage.filter(kind="account_exists").count() == accounts.MAILS_PER_ACCOUNT


async def test_signing_up_again_with_an_unconfirmed_address_sends_its_link_again(browser, database):
    async with browser("192.0.2.1") as client:
        await _sign_up(client, "first", "same@example.com")
    async with browser("192.0.2.2") as client:
        await _sign_up(client, "second", "same@example.com")
    assert [u.username for u in await User.filter(email_key="same@example.com")] == ["first"]
    links = await OutboxMessage.filter(kind="verify").values_list("to_address", "text")
    assert len(links) == 2 and all("signing up as first" in text for _, text in links)


async def test_a_sign_up_never_confirmed_is_removed_after_a_week_and_frees_the_address(
    browser, database
):
    async with browser("192.0.2.1") as client:
        await _sign_up(client, "squatter", "victim@example.com")
        await _sign_up(client, "recent", "recent@example.com")
    week_ago = datetime.now(UTC) - timedelta(seconds=accounts.VERIFY_SECONDS + 60)
    await User.filter(username="squatter").update(created_at=week_ago)
    assert await accounts.purge_unconfirmed() == 1
    assert not await User.filter(username="squatter").exists()
    assert await User.filter(username="recent", awaiting_confirmation=True).exists()
    async with browser("192.0.2.2") as client:
        await _sign_up(client, "victim", "victim@example.com")
    assert await User.filter(username="victim", email_key="victim@example.com").exists()


async def test_past_five_sign_ups_an_hour_a_network_is_refused_whatever_the_address(
    browser, member
):
    async with browser("192.0.2.77") as client:
        for number in range(accounts.REGISTRATIONS_PER_CLIENT):
            response = await _sign_up(client, f"probe{number}", f"guess{number}@example.com")
            assert response.status_code == 200
        response = await _sign_up(client, "probe9", member.email)
        assert response.status_code == 429 and "Too many sign-ups" in response.text
    assert not await OutboxMessage.filter(kind="account_exists").exists()


# --- Password reset links


async def _reset_link(user: User) -> str:
    message = await OutboxMessage.filter(kind="reset", user_id=user.id).order_by("-id").first()
    assert message is not None, "no reset message"
    return re.search(r"/password-reset/[^\s\"<]+", message.text).group(0)


async def test_a_reset_link_works_once(client, member):
    await accounts.request_password_reset(member.email, client="c")
    link = await _reset_link(member)
    form = await client.get(link)
    assert form.status_code == 200
    data = {"password": NEW_PASSWORD, "csrf_token": csrf_from(form.text)}
    assert (await client.post(link, data=data)).status_code == 303
    again = await client.get(link)
    assert again.status_code == 404 and "expired or was already used" in again.text
    data = {"password": "yet another secret", "csrf_token": csrf_from(again.text)}
    assert (await client.post(link, data=data)).status_code == 404
    await accounts.authenticate("ana", NEW_PASSWORD, client="c")  # the first one held


@pytest.mark.parametrize(("minutes", "status"), [(59, 200), (61, 404)])
async def test_a_reset_link_expires_after_an_hour(client, member, monkeypatch, minutes, status):
    await accounts.request_password_reset(member.email, client="c")
    link = await _reset_link(member)
    later = time.time() + minutes * 60

    class Clock:
        @staticmethod
        def time() -> float:
            return later

    monkeypatch.setattr(itsdangerous.timed, "time", Clock)
    response = await client.get(link)
    assert response.status_code == status
    if status == 404:
        assert (await submit(client, link, {"password": NEW_PASSWORD})).status_code == 404
        with pytest.raises(accounts.Invalid):
            await accounts.authenticate("ana", NEW_PASSWORD, client="c")


# --- Open redirects through next=

HOSTILE_NEXT = [
    "https://evil.example",
    "http://evil.example/login",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    " //evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "%2F%2Fevil.example",
    "/%2F%2Fevil.example",
    "/%2Fevil.example",
    "/%5Cevil.example",
    "/%09/evil.example",
    "/%252F%252Fevil.example",
    "%68ttps://evil.example",
]


@pytest.mark.parametrize("hostile", HOSTILE_NEXT)
async def test_signing_in_with_a_hostile_next_lands_on_the_home_page(browser, member, hostile):
    async with browser() as client:
        page = await client.get("/login")
        data = {"login": "ana", "password": PASSWORD, "csrf_token": csrf_from(page.text)}
        response = await client.post("/login", params={"next": hostile}, data=data)
        assert response.status_code == 303
        assert response.headers["location"] == "/"
        again = await client.get("/login", params={"next": hostile})
        assert again.headers["location"] == "/"
        language = await client.get("/language/en", params={"next": hostile})
        assert language.headers["location"] == "/"
        read = await submit(client, "/notifications/read", {"next": hostile})
        assert read.headers["location"] == "/notifications"


async def test_bookmarks_and_welcome_follow_next_only_within_the_site(client, member):
    thread = await make_thread(member, title="Descaling the kettle")
    post = await make_reply(thread, member, "Vinegar and a night's wait.")
    await login(client, member)
    for hostile in ("//evil.example", "/%2F%2Fevil.example", "https://evil.example"):
        saved = await submit(client, f"/p/{post.id}/bookmark", {"note": "", "next": hostile})
        assert saved.headers["location"] == post.url
        taken = await submit(client, f"/p/{post.id}/unbookmark", {"next": hostile})
        assert taken.headers["location"] == "/bookmarks"
        welcome = await submit(client, f"/welcome?{httpx.QueryParams({'next': hostile})}")
        assert welcome.headers["location"] == "/"
    # A path on the site is followed.
    response = await client.get("/login", params={"next": "/t/1/x?page=2"})
    assert response.headers["location"] == "/t/1/x?page=2"
