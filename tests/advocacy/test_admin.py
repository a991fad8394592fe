"""The manager's recognition pages: rules, granted badges, adjustments, the advocate finder."""

from forum.advocacy import service
from forum.advocacy.models import BadgeAward, PointEntry, Standing
from forum.moderation.models import AuditEntry
from forum.notifications.models import Notification
from forum.threads import service as threads
from tests.conftest import login, make_category, make_reply, make_thread, make_user, submit


def _rules_form(**changes) -> dict:
    form = {"form": "rules", "likes_daily_cap": "50", "grace_days": "14"}
    form.update({f"weight_{name}": str(value) for name, value in service.WEIGHTS.items()})
    for tier in service.TIERS[1:]:
        form[f"tier_{tier['key']}_points"] = str(tier["points"])
        form[f"tier_{tier['key']}_weeks"] = str(tier["weeks"])
    form.update(changes)
    return form


async def test_the_manager_changes_the_weights_and_a_reply_earns_the_new_amount(
    client, manager, member, other_member
):
    await login(client, manager)
    form = _rules_form(weight_reply="7", tier_advocate_name="Lumio Hero")
    response = await submit(client, "/admin/recognition", form)
    assert response.status_code == 303
    thread = await make_thread(member)
    await make_reply(thread, other_member, "Here you go")
    assert (await service.standing(other_member.id)).points == 7
    rules = await service.rules()
    assert service.tier_label(rules.tiers[3]) == "Lumio Hero"


async def test_tiers_that_do_not_rise_are_refused_and_the_form_keeps_its_values(client, manager):
    await login(client, manager)
    response = await submit(client, "/admin/recognition",
                            _rules_form(tier_champion_points="10", weight_thread="9"))  # fmt: skip
    assert response.status_code == 400
    assert "Needs at least the points of the tier below." in response.text
    assert 'name="weight_thread" type="number" value="9"' in response.text
    assert (await service.rules()).weights["thread"] == 5


async def test_a_granted_badge_is_awarded_with_its_reason_and_audited(client, manager, member):
    await login(client, manager)
    await submit(client, "/admin/recognition", {
        "form": "badge", "name": "Champion 2027", "description": "Our year's best", "level": "gold",
    })  # fmt: skip
    page = (await client.get("/admin/recognition")).text
    assert "Champion 2027" in page
    from forum.advocacy.models import Badge

    badge = await Badge.get(slug="champion-2027")
    response = await submit(client, "/admin/recognition", {
        "form": "grant", "badge": str(badge.id), "username": "ana",
        "reason": "Answered 80 questions about the hub", "expires": "2027-12-31",
    })  # fmt: skip
    assert response.status_code == 303
    award = await BadgeAward.get(user_id=member.id, badge_id=badge.id)
    assert award.reason == "Answered 80 questions about the hub"
    assert award.expires_at.year == 2027
    assert await Notification.exists(user_id=member.id, kind="badge", text="Champion 2027")
    assert await AuditEntry.exists(action="grant_badge", target_id=member.id)


async def test_granting_to_nobody_shows_the_error_beside_the_field(client, manager):
    await login(client, manager)
    await submit(client, "/admin/recognition",
                 {"form": "badge", "name": "Helper of the month", "level": "silver"})  # fmt: skip
    response = await submit(client, "/admin/recognition", {
        "form": "grant", "badge": "", "username": "ghost", "reason": "Kind words"})  # fmt: skip
    assert response.status_code == 400
    assert "No member has this username." in response.text
    assert 'value="Kind words"' in response.text


async def test_a_manual_adjustment_is_in_the_ledger_the_total_and_the_audit_log(
    client, manager, member
):
    await login(client, manager)
    response = await submit(client, "/admin/recognition",
                            {"form": "adjust", "member": "ana", "points": "-12",
                             "note": "Points from a duplicate account"})  # fmt: skip
    assert response.status_code == 303
    [entry] = await PointEntry.filter(user_id=member.id, reason="adjustment")
    assert (entry.points, entry.note) == (-12, "Points from a duplicate account")
    assert (await service.standing(member.id)).points == -12
    assert await AuditEntry.exists(action="adjust_points", target_id=member.id)
    typo = {"form": "adjust", "member": "ana", "points": "lots", "note": "Typo"}
    refused = await submit(client, "/admin/recognition", typo)
    assert refused.status_code == 400
    assert "Enter a number of points" in refused.text
    assert 'value="Typo"' in refused.text


async def test_the_finder_ranks_helpers_and_explains_the_score(client, manager, member):
    support = await make_category(kind="support")
    helper, chatter, troll = [await make_user(n) for n in ("helper", "chatter", "troll")]
    for n in range(3):
        question = await make_thread(member, category=support, title=f"Question {n} here")
        answer = await threads.get_post((await make_reply(question, helper, f"Answer {n}")).id)
        await threads.mark_solution(answer, member)
        await make_reply(question, chatter, f"Me too {n}")
    troll_post = await threads.get_post((await make_reply(question, troll, "Nonsense")).id)
    from forum.moderation import service as moderation

    flagger = await make_user("flagger")
    await moderation.flag_post(troll_post, flagger, reason="spam")
    await moderation.hide_post(troll_post, manager, "Spam")
    found = await service.find_advocates(90)
    names = [c.user.username for c in found]
    assert names.index("helper") < names.index("chatter")
    helper_row = found[names.index("helper")]
    assert (helper_row.accepted, helper_row.replies) == (3, 3)
    assert "troll" not in names  # what they earned was taken back
    await login(client, manager)
    page = (await client.get("/admin/advocates?period=30")).text
    assert "10 per accepted answer" in page
    assert page.index(">helper<") < page.index(">chatter<")
    assert "/admin/recognition?grant=helper#grant" in page
    other = await make_category(kind="discussion")
    assert "helper" not in (await client.get(f"/admin/advocates?category={other.slug}")).text
    await Standing.filter(user_id=helper.id).update(tier="regular")
    only_regulars = (await client.get("/admin/advocates?tier=regular")).text
    assert ">helper<" in only_regulars and ">chatter<" not in only_regulars
