"""Signing up, in and out, first-run setup and settings, through HTTP as a browser would."""

from forum import web
from forum.accounts import service
from forum.accounts.models import Session, User
from forum.mail.models import OutboxMessage
from tests.conftest import (
    PASSWORD,
    confirm_signup,
    csrf_from,
    login,
    mailed_link,
    make_user,
    submit,
)


async def test_a_visitor_registers_and_the_mailed_link_signs_them_in(client, database):
    page = await client.get("/register")
    token = csrf_from(page.text)
    response = await client.post(
        "/register",
        data={"username": "ana", "email": "ana@example.com", "password": PASSWORD,
              "csrf_token": token},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Check your inbox" in response.text and "ana@example.com" in response.text
    assert "Log out" not in (await client.get("/")).text  # not signed in before confirming

    welcome = await confirm_signup(client, "ana@example.com")
    assert welcome.status_code == 303 and welcome.headers["location"].startswith("/welcome")
    home = await client.get("/")
    assert 'href="/u/ana"' in home.text and "Log out" in home.text
    assert (await User.get(username="ana")).email_verified_at is not None


async def test_until_the_link_is_followed_signing_in_sends_it_again(client, database):
    await submit(
        client, "/register", {"username": "ana", "email": "ana@example.com", "password": PASSWORD}
    )
    first = await mailed_link("ana@example.com", "/verify/")
    response = await submit(client, "/login", {"login": "ana", "password": PASSWORD})
    assert response.status_code == 400
    assert "Confirm your e-mail address first" in response.text
    assert "Log out" not in (await client.get("/")).text
    assert await OutboxMessage.filter(kind="verify", to_address="ana@example.com").count() == 2
    # Either link finishes signing up; the first one used signs in, a second click does not.
    assert (await client.get(first)).status_code == 303
    await submit(client, "/logout")
    again = await confirm_signup(client, "ana@example.com")
    assert again.status_code == 200 and "Log out" not in again.text


async def test_registration_errors_are_shown_beside_each_field_and_input_is_kept(client, database):
    await make_user("taken")
    response = await submit(
        client, "/register", {"username": "taken", "email": "new@example.com", "password": "x"}
    )
    assert response.status_code == 400
    assert 'id="username-error"' in response.text and "That username is taken." in response.text
    assert 'id="password-error"' in response.text
    assert 'value="new@example.com"' in response.text and 'value="taken"' in response.text
    assert 'value="x"' not in response.text  # a password is never echoed back


async def test_the_hidden_honeypot_field_stops_a_bot_sign_up(client, database):
    response = await submit(
        client, "/register",
        {"username": "bot", "email": "bot@example.com", "password": PASSWORD,
         "website_url": "http://spam.example"},
    )  # fmt: skip
    assert response.status_code == 400
    assert not await User.filter(username="bot").exists()


async def test_a_form_without_its_csrf_token_gets_the_403_page(client, database):
    response = await client.post(
        "/register", data={"username": "ana", "email": "a@example.com", "password": PASSWORD}
    )
    assert response.status_code == 403
    assert "This form has expired" in response.text and "<header" in response.text
    assert not await User.filter(username="ana").exists()


async def test_a_token_from_another_session_is_refused(client, database):
    response = await client.post(
        "/register",
        data={"username": "ana", "email": "a@example.com", "password": PASSWORD,
              "csrf_token": web.csrf_token_for_key("someone-else")},
    )  # fmt: skip
    assert response.status_code == 403


async def test_login_with_email_then_logout_ends_the_session(client, database):
    user = await make_user("ana")
    response = await submit(client, "/login", {"login": "ana@example.com", "password": PASSWORD})
    assert response.status_code == 303
    assert await Session.filter(user_id=user.id).count() == 1
    assert "Log out" in (await client.get("/")).text
    await submit(client, "/logout")
    assert await Session.filter(user_id=user.id).count() == 0
    assert "Log in" in (await client.get("/")).text


async def test_login_rotates_the_session_key(client, database):
    await make_user("ana")
    await client.get("/register")  # a guest session key, as a visitor browsing forms gets
    guest_cookie = client.cookies.get(web.COOKIE_NAME)
    await submit(client, "/login", {"login": "ana", "password": PASSWORD})
    assert client.cookies.get(web.COOKIE_NAME) not in (None, guest_cookie)


async def test_session_cookie_is_httponly_and_samesite(client, database):
    await make_user("ana")
    response = await submit(client, "/login", {"login": "ana", "password": PASSWORD})
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


async def test_a_wrong_password_keeps_the_login_and_says_what_is_wrong(client, database):
    await make_user("ana")
    response = await submit(client, "/login", {"login": "ana", "password": "nope nope nope"})
    assert response.status_code == 400
    assert 'value="ana"' in response.text and "do not match" in response.text


async def test_login_follows_next_only_within_the_site(client, database):
    await make_user("ana")
    response = await client.get("/login?next=https://evil.example/")
    token = csrf_from(response.text)
    response = await client.post(
        "/login?next=https://evil.example/",
        data={"login": "ana", "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["location"] == "/"


async def test_a_member_edits_their_profile(client, member):
    await login(client, member)
    response = await submit(
        client, "/settings/profile",
        {"display_name": "Ana Kaya", "bio": "Loves **gadgets**", "website": "https://ana.example"},
    )  # fmt: skip
    assert response.status_code == 303
    profile = await client.get("/u/ana")
    assert "Ana Kaya" in profile.text and "<strong>gadgets</strong>" in profile.text
    assert 'href="https://ana.example" rel="nofollow ugc noopener"' in profile.text


async def test_profile_errors_keep_what_was_typed(client, member):
    await login(client, member)
    response = await submit(
        client, "/settings/profile", {"display_name": "Ana", "bio": "Hello", "website": "ana"}
    )
    assert response.status_code == 400
    assert 'id="website-error"' in response.text and ">Hello</textarea>" in response.text


async def test_log_out_everywhere_keeps_only_this_session(client, member):
    await service.start_session(member)
    await login(client, member)
    await submit(client, "/settings/account", {"action": "sessions"})
    assert await Session.filter(user_id=member.id).count() == 1
    assert (await client.get("/settings/account")).status_code == 200


async def test_password_change_form_reports_a_wrong_current_password(client, member):
    await login(client, member)
    response = await submit(
        client, "/settings/account",
        {"action": "password", "current_password": "nope", "new_password": "long enough now"},
    )  # fmt: skip
    assert response.status_code == 400 and 'id="current_password-error"' in response.text


async def test_a_guest_opening_settings_is_asked_to_log_in_and_sent_back(client, database):
    response = await client.get("/settings/profile")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/settings/profile"


async def test_the_setup_link_lets_the_owner_create_the_manager_and_name_the_community(
    client, database
):
    token = await service.new_setup_token()
    page = await client.get(f"/setup/{token}")
    assert page.status_code == 200
    response = await client.post(
        f"/setup/{token}",
        data={"community_name": "Acme Owners", "username": "owner", "email": "o@acme.test",
              "password": PASSWORD, "csrf_token": csrf_from(page.text)},
    )  # fmt: skip
    assert response.status_code == 303
    home = await client.get("/")
    assert "Acme Owners" in home.text and 'href="/admin"' in home.text
    assert (await client.get(f"/setup/{token}")).status_code == 404


async def test_nobody_claims_the_site_with_a_guessed_token(client, database):
    await service.new_setup_token()
    response = await submit(
        client, "/setup/guess",
        {"community_name": "Mine", "username": "thief", "email": "t@x.test", "password": PASSWORD},
    )  # fmt: skip
    assert response.status_code == 404
    assert not await User.filter(username="thief").exists()
