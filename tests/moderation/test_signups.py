"""Sign-ups held by the community's rules wait in the review queue."""

import pytest

from forum.accounts import service as accounts
from forum.accounts.models import User
from forum.forms import Invalid
from forum.moderation import service
from forum.moderation.models import AuditEntry
from forum.site import models as site
from tests.conftest import PASSWORD, confirm_signup, login, signed_up, submit


async def test_sign_ups_from_a_held_domain_wait_and_cannot_log_in(database):
    await site.set_value("held_email_domains", "mailinator.com")
    waiting = await signed_up("temp", "temp@Mailinator.com")
    welcome = await signed_up("real", "real@example.com")
    assert waiting.pending and not welcome.pending
    with pytest.raises(Invalid) as caught:
        await accounts.authenticate("temp", PASSWORD, client="c")
    assert "waiting for a moderator" in caught.value.errors["login"]


async def test_every_sign_up_can_wait(database):
    await site.set_value("approve_signups", "all")
    assert (await signed_up("any")).pending


async def test_approving_lets_the_member_in_and_rejecting_removes_the_account(moderator):
    await site.set_value("approve_signups", "all")
    first, second = await signed_up("first"), await signed_up("second")
    await accounts.register("unsure", "unsure@example.com", PASSWORD, client="c")
    # Only confirmed addresses wait for a moderator: "unsure" never followed the link.
    assert [u.username for u in await service.pending_signups()] == ["first", "second"]
    assert await service.queue_count() == 2
    await service.approve_signup(first, moderator)
    await service.reject_signup(second, moderator)
    assert (await accounts.authenticate("first", PASSWORD, client="c")).id == first.id
    assert not await User.filter(username="second").exists()
    actions = await AuditEntry.all().order_by("id").values_list("action", "target_label")
    assert actions == [("approve_signup", "first"), ("reject_signup", "second")]


async def test_a_held_sign_up_is_told_to_wait_and_is_approved_from_the_queue(client, moderator):
    await site.set_value("approve_signups", "all")
    await submit(
        client, "/register", {"username": "newbie", "email": "n@example.com", "password": PASSWORD}
    )
    response = await confirm_signup(client, "n@example.com")
    assert response.status_code == 200 and "looks at new accounts" in response.text
    assert "Log out" not in response.text
    await login(client, moderator)
    queue = await client.get("/mod/queue")
    assert "Sign-ups waiting for approval" in queue.text and "n@example.com" in queue.text
    waiting = await User.get(username="newbie")
    assert (await submit(client, f"/mod/signups/{waiting.id}/approve")).status_code == 303
    assert not (await User.get(id=waiting.id)).pending


async def test_the_manager_sets_the_sign_up_rules(client, manager):
    await login(client, manager)
    form = {"name": "Community", "language": "en", "timezone": "UTC", "hold_first_posts": "1",
            "trust_posts": "3", "trust_days": "2", "flags_to_hide": "3"}  # fmt: skip
    bad = await submit(client, "/admin/settings", {**form, "held_email_domains": "not a domain"})
    assert bad.status_code == 400 and 'id="held_email_domains-error"' in bad.text
    good = await submit(
        client, "/admin/settings",
        {**form, "approve_signups": "", "held_email_domains": "@Spam.example, temp.example"},
    )  # fmt: skip
    assert good.status_code == 303
    assert (await site.get_all())["held_email_domains"] == "spam.example, temp.example"
