"""Account rules, tested without HTTP."""

import pytest

from forum import ratelimit
from forum.accounts import service
from forum.accounts.models import Session, User
from forum.forms import Invalid
from tests.conftest import PASSWORD, make_user


async def test_registration_stores_an_argon2_hash_never_the_password(database):
    await service.register("ana", "ana@example.com", PASSWORD, client="c1")
    user = await User.get(username="ana")
    assert user.password_hash.startswith("$argon2")
    assert PASSWORD not in user.password_hash


async def test_registration_reports_every_bad_field_at_once(database):
    with pytest.raises(Invalid) as caught:
        await service.register("a b", "not-an-address", "short", client="c1")
    assert set(caught.value.errors) == {"username", "email", "password"}


async def test_usernames_are_unique_under_turkish_case_rules(database):
    await make_user("Işık")
    for twin in ("ışık", "IŞIK", "işik", "İŞİK"):
        with pytest.raises(Invalid) as caught:
            await service.register(twin, f"{twin}@example.org", PASSWORD, client="c1")
        assert "taken" in caught.value.errors["username"]


async def test_an_email_address_has_one_account_whatever_its_case(database):
    await make_user("ana")
    await service.register("ana2", "ANA@Example.com", PASSWORD, client="c1")
    assert not await User.filter(username="ana2").exists()
    assert await User.filter(email_key="ana@example.com").count() == 1
    with pytest.raises(Invalid) as caught:  # staff creating an account are told
        await service.create_user("ana3", "ANA@Example.com", PASSWORD)
    assert "email" in caught.value.errors


async def test_sign_up_is_rate_limited_per_address(database):
    for number in range(service.REGISTRATIONS_PER_CLIENT):
        await service.register(f"user{number}", f"u{number}@example.com", PASSWORD, client="c1")
    with pytest.raises(service.RateLimited):
        await service.register("one-more", "more@example.com", PASSWORD, client="c1")
    await service.register("elsewhere", "else@example.com", PASSWORD, client="c2")


async def test_members_sign_in_with_username_or_email_in_any_case(database):
    user = await make_user("Ana")
    assert (await service.authenticate("ana", PASSWORD, client="c")).id == user.id
    assert (await service.authenticate("ANA@EXAMPLE.COM", PASSWORD, client="c")).id == user.id


async def test_a_wrong_password_and_an_unknown_account_get_the_same_message(database):
    await make_user("ana")
    messages = []
    for login in ("ana", "nobody"):
        with pytest.raises(Invalid) as caught:
            await service.authenticate(login, "wrong password!", client="c")
        messages.append(caught.value.errors["login"])
    assert messages[0] == messages[1]


async def test_an_account_locks_after_repeated_failures_even_with_the_right_password(database):
    await make_user("ana")
    for attempt in range(service.LOGIN_FAILURES_PER_ACCOUNT):
        with pytest.raises(Invalid):
            await service.authenticate("ana", "wrong password!", client=f"c{attempt}")
    with pytest.raises(service.RateLimited):
        await service.authenticate("ana", PASSWORD, client="fresh-client")


async def test_an_address_locks_after_many_failures_across_accounts(database, monkeypatch):
    monkeypatch.setattr(service, "LOGIN_FAILURES_PER_CLIENT", 3)
    await make_user("ana")
    for number in range(3):
        with pytest.raises(Invalid):
            await service.authenticate(f"nobody{number}", "wrong password!", client="bad")
    with pytest.raises(service.RateLimited):
        await service.authenticate("ana", PASSWORD, client="bad")
    assert await ratelimit.count("login-fail", "bad", service.LOGIN_WINDOW) == 3


async def test_a_suspended_member_cannot_sign_in(database):
    from datetime import UTC, datetime

    await make_user("ana", suspended_at=datetime.now(UTC))
    with pytest.raises(Invalid) as caught:
        await service.authenticate("ana", PASSWORD, client="c")
    assert "suspended" in caught.value.errors["login"]


async def test_changing_the_password_signs_out_every_other_session(database):
    user = await make_user("ana")
    keep = await service.start_session(user)
    await service.start_session(user)
    await service.start_session(user)
    await service.change_password(user, current=PASSWORD, new="a brand new password", keep_key=keep)
    assert await Session.filter(user_id=user.id).values_list("id", flat=True) == [
        service.session_id(keep)
    ]
    assert (await service.authenticate("ana", "a brand new password", client="c")).id == user.id


async def test_changing_the_password_needs_the_current_one(database):
    user = await make_user("ana")
    with pytest.raises(Invalid) as caught:
        await service.change_password(
            user, current="guess", new="a brand new password", keep_key="k"
        )
    assert "current_password" in caught.value.errors


async def test_changing_the_email_needs_the_password_and_a_free_address(database):
    user = await make_user("ana")
    await make_user("boris")
    with pytest.raises(Invalid) as caught:
        await service.change_email(user, password="guess", email="boris@example.com")
    assert set(caught.value.errors) == {"password", "email"}
    await service.change_email(user, password=PASSWORD, email="ana@new.example")
    assert (await User.get(id=user.id)).email == "ana@new.example"


async def test_profile_bio_is_rendered_safely_and_website_must_be_a_web_address(database):
    user = await make_user("ana")
    with pytest.raises(Invalid) as caught:
        await service.update_profile(
            user, display_name="Ana", bio="", website="javascript:alert(1)"
        )
    assert "website" in caught.value.errors
    await service.update_profile(
        user,
        display_name="Ana K.",
        bio="I **love** <script>x()</script>",
        website="https://ana.dev",
    )
    stored = await User.get(id=user.id)
    assert stored.bio_html == "<p>I <strong>love</strong> x()</p>"
    assert stored.name == "Ana K." and stored.initials == "AK"


async def test_the_setup_link_creates_the_manager_once(database):
    token = await service.new_setup_token()
    assert await service.setup_token_valid(token)
    assert not await service.setup_token_valid("guessed-token")
    user = await service.claim_site(
        token, community_name="Acme Owners", username="owner", email="o@acme.test",
        password=PASSWORD,
    )  # fmt: skip
    assert user.role == "manager"
    assert not await service.setup_token_valid(token)
    assert await service.new_setup_token() is None
    with pytest.raises(Invalid):
        await service.claim_site(
            token, community_name="Stolen", username="thief", email="t@x.test", password=PASSWORD
        )


async def test_a_new_setup_token_replaces_the_previous_one(database):
    first = await service.new_setup_token()
    second = await service.new_setup_token()
    assert not await service.setup_token_valid(first)
    assert await service.setup_token_valid(second)
