"""Points, tiers and automatic badges from what members do, with the anti-gaming rules."""

from datetime import UTC, datetime, timedelta

from forum.advocacy import service
from forum.advocacy.models import BadgeAward, PointEntry, Standing
from forum.moderation import service as moderation
from forum.notifications.models import Notification
from forum.threads import service as threads
from tests.conftest import make_category, make_reply, make_thread, make_user


async def _points(user) -> int:
    row = await Standing.filter(user_id=user.id).first()
    return row.points if row else 0


async def _ledger_total(user) -> int:
    return sum(await PointEntry.filter(user_id=user.id).values_list("points", flat=True))


async def _badges(user) -> set[str]:
    return {a.badge.slug for a in await BadgeAward.filter(user_id=user.id).select_related("badge")}


async def _opening(thread):
    return (await threads.thread_page(thread, 1))[0]


async def test_a_thread_and_a_reply_to_someone_else_earn_points(member, other_member):
    thread = await make_thread(member)
    await make_reply(thread, other_member, "Have you tried a reset?")
    await make_reply(thread, member, "Yes, thanks")  # one's own thread: nothing
    assert await _points(member) == 5
    assert await _points(other_member) == 2
    assert await _points(member) == await _ledger_total(member)
    assert "first-post" in await _badges(member)


async def test_likes_earn_once_per_member_and_never_for_oneself(member, other_member):
    thread = await make_thread(member)
    post = await _opening(thread)
    await threads.like(post, member)  # one's own post
    assert await _points(member) == 5
    await threads.like(post, other_member)
    await threads.unlike(post, other_member)
    await threads.like(post, other_member)  # liking again earns nothing more
    assert await _points(member) == 5 + 2
    assert await _points(other_member) == 1
    assert "first-like" in await _badges(other_member)


async def test_points_from_likes_stop_at_the_daily_cap(member, monkeypatch):
    monkeypatch.setattr(service, "LIKES_DAILY_CAP", 5)
    thread = await make_thread(member)
    post = await _opening(thread)
    for n in range(4):
        await threads.like(post, await make_user(f"fan{n}"))
    assert await _points(member) == 5 + 5  # 4 likes x 2, capped at 5 a day
    assert [e.note for e in await PointEntry.filter(user_id=member.id, reason="like_received")
            .order_by("id")][-1] == "daily cap"  # fmt: skip


async def test_an_accepted_answer_earns_and_a_withdrawn_one_takes_it_back(
    member, other_member, moderator
):
    category = await make_category(kind="support")
    thread = await make_thread(member, category=category)
    answer = await threads.get_post((await make_reply(thread, other_member, "Update it")).id)
    await threads.mark_solution(answer, member)
    assert await _points(other_member) == 2 + 15
    assert (await service.standing(other_member.id)).accepted_answers == 1
    assert "first-solution" in await _badges(other_member)
    await threads.unmark_solution(await threads.get_thread(thread.id), member)
    assert await _points(other_member) == 2
    assert (await service.standing(other_member.id)).accepted_answers == 0


async def test_accepting_ones_own_answer_earns_nothing(member):
    category = await make_category(kind="support")
    thread = await make_thread(member, category=category)
    own = await threads.get_post((await make_reply(thread, member, "Found it myself")).id)
    await threads.mark_solution(own, member)
    assert await _points(member) == 5


async def test_removed_content_keeps_nothing_it_earned(member, other_member, moderator):
    thread = await make_thread(member)
    spam = await threads.get_post((await make_reply(thread, other_member, "Buy pills")).id)
    await threads.like(spam, member)
    assert (await _points(other_member), await _points(member)) == (2 + 2, 5 + 1)
    await moderation.delete_post(spam, moderator, "Spam")
    assert (await _points(other_member), await _points(member)) == (0, 5)
    history = await service.history(other_member)
    assert history[0].reason == "taken_back" and history[0].points == -4
    await moderation.restore_post(await threads.get_post(spam.id, with_deleted=True), moderator)
    assert (await _points(other_member), await _points(member)) == (4, 6)


async def test_an_upheld_flag_earns_the_flagger_points(member, other_member, moderator):
    thread = await make_thread(member)
    spam = await threads.get_post((await make_reply(thread, other_member, "Spam spam")).id)
    flagger = await make_user("sharp")
    await moderation.flag_post(spam, flagger, reason="spam")
    await moderation.hide_post(spam, moderator, "Spam")
    assert await _points(flagger) == 5


async def test_ten_likes_on_one_post_earn_a_badge_and_a_notification(member):
    thread = await make_thread(member)
    post = await _opening(thread)
    for n in range(10):
        await threads.like(post, await make_user(f"liker{n}"))
    assert "nice-post" in await _badges(member)
    assert await Notification.filter(user_id=member.id, kind="badge", text="Nice post").count() == 1


async def test_tiers_rise_at_once_and_fall_only_after_the_grace_period(member):
    row = await service.standing(member.id)
    moment = datetime.now(UTC)
    await service.book(member.id, 25, "adjustment", "test:1", moment, note="seed")
    row = await service.standing(member.id)
    assert row.tier == "member"  # 20 points and active this week
    await service.book(member.id, -10, "adjustment", "test:2", moment, note="seed")
    row = await service.standing(member.id)
    assert row.tier == "member" and row.below_since is not None
    assert await service.demote_after_grace(moment + timedelta(days=13)) == 0
    assert await service.demote_after_grace(moment + timedelta(days=15)) == 1
    assert (await service.standing(member.id)).tier == "newcomer"


async def test_replaying_the_activity_log_rebuilds_the_same_recognition(
    member, other_member, moderator, manager
):
    category = await make_category(kind="support")
    thread = await make_thread(member, category=category)
    answer = await threads.get_post((await make_reply(thread, other_member, "Try this")).id)
    await threads.like(answer, member)
    await threads.mark_solution(answer, member)
    spam = await threads.get_post((await make_reply(thread, other_member, "Spam")).id)
    await threads.like(spam, member)
    await moderation.delete_post(spam, moderator, "Spam")
    await service.adjust(other_member, manager, "30", "Helped at the meetup")

    async def snapshot():
        entries = sorted(await PointEntry.all().values_list("user_id", "points", "reason", "key"))
        standing = sorted(await Standing.all().values_list("user_id", "points", "tier",
                                                           "accepted_answers"))  # fmt: skip
        awards = sorted(await BadgeAward.all().values_list("user_id", "badge_id", "key"))
        return entries, standing, awards

    before = await snapshot()
    notified = await Notification.all().count()
    assert await service.recompute() > 0
    assert await snapshot() == before
    assert await Notification.all().count() == notified  # nobody is told twice


async def test_a_year_of_membership_earns_the_anniversary_badge_once_a_year(member):
    joined = datetime(2024, 3, 10, tzinfo=UTC)
    from forum.accounts.models import User

    await User.filter(id=member.id).update(created_at=joined)
    assert await service.award_anniversaries(datetime(2025, 3, 9, tzinfo=UTC)) == 0
    assert await service.award_anniversaries(datetime(2025, 3, 10, tzinfo=UTC)) == 1
    assert await service.award_anniversaries(datetime(2025, 6, 1, tzinfo=UTC)) == 0
    assert await service.award_anniversaries(datetime(2026, 3, 11, tzinfo=UTC)) == 1
    assert await BadgeAward.filter(user_id=member.id, badge__slug="anniversary").count() == 2


async def test_a_profile_and_a_followed_category_complete_the_welcome(member):
    from forum.accounts.models import User
    from forum.notifications import service as notifications
    from tests.conftest import general

    await User.filter(id=member.id).update(bio="I make lamps")
    assert await service.award_welcomes() == 0
    await notifications.set_category_level(member, (await general()).id, 3)
    assert await service.award_welcomes() == 1
    assert await service.award_welcomes() == 0
    assert "welcome" in await _badges(member)


async def test_the_worker_round_runs_the_daily_recognition_work(member):
    from forum import worker
    from forum.accounts.models import User

    await User.filter(id=member.id).update(created_at=datetime.now(UTC) - timedelta(days=400))
    worker._daily_done = None
    await worker.run_once(prune=True)
    assert "anniversary" in await _badges(member)


async def test_the_profile_shows_points_tier_badges_and_their_history(client, member, other_member):
    thread = await make_thread(member, title="Pairing the hub with a new router")
    await make_reply(thread, other_member, "Reset the hub first")
    await service.book(other_member.id, 20, "adjustment", "test:seed", datetime.now(UTC),
                       note="Meetup host")  # fmt: skip
    page = (await client.get("/u/boris")).text
    assert "22 points" in page
    assert 'class="tier tier-member"' in page
    assert "First post" in page
    assert "reply in" in page and "Pairing the hub with a new router" in page
    assert "Meetup host" not in page  # a manager's note is for the member and staff
    await client.get("/")  # a guest above; now the member themself
    from tests.conftest import login

    await login(client, other_member)
    assert "Meetup host" in (await client.get("/u/boris")).text


async def test_the_tier_shows_beside_the_authors_name_on_posts(client, member, other_member):
    thread = await make_thread(member)
    await make_reply(thread, other_member, "Here to help")
    await service.book(other_member.id, 120, "adjustment", "test:seed2", datetime.now(UTC))
    page = (await client.get(thread.url)).text
    assert page.count('class="tier tier-') == 1  # newcomers carry no label
    assert ">Member</a>" in page


async def test_two_workers_awarding_the_same_badge_at_once_give_it_once_without_error(
    member, monkeypatch
):
    """The daily work runs in every worker: the second award of a key must find it given,
    even when it looked just before the first one wrote it."""
    badge = await service.badge_by_rule("first_post")
    moment = datetime.now(UTC)
    assert await service.award(badge, member.id, "race:1", moment) is not None
    # As if this worker had looked before the other one wrote.
    monkeypatch.setattr(BadgeAward, "exists", classmethod(lambda cls, **kw: _false()))
    assert await service.award(badge, member.id, "race:1", moment) is None
    assert await BadgeAward.filter(key="race:1").count() == 1


async def _false() -> bool:
    return False
