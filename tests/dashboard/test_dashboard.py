"""The manager's dashboard: response times, unanswered threads, activity, health, CSV."""

from datetime import UTC, datetime, timedelta

from forum.advocacy import service as advocacy
from forum.advocacy.models import Standing
from forum.dashboard import service
from forum.threads import service as threads
from forum.threads.models import Thread
from tests.conftest import login, make_category, make_reply, make_thread, make_user


async def _answered_after(thread, replier, minutes: int):
    """A reply `minutes` after the thread started."""
    await make_reply(thread, replier)
    started = (await Thread.get(id=thread.id)).created_at
    answered = started + timedelta(minutes=minutes)
    await Thread.filter(id=thread.id).update(first_reply_at=answered)
    if replier.role != "member":
        await Thread.filter(id=thread.id).update(first_staff_reply_at=answered)


async def test_the_first_reply_by_someone_else_and_by_staff_are_recorded(member, moderator):
    thread = await make_thread(member)
    await make_reply(thread, member, "Bump, anyone?")
    assert (await Thread.get(id=thread.id)).first_reply_at is None
    other = await make_user()
    await make_reply(await threads.get_thread(thread.id), other)
    await make_reply(await threads.get_thread(thread.id), moderator)
    stored = await Thread.get(id=thread.id)
    assert stored.first_reply_at is not None
    assert stored.first_staff_reply_at > stored.first_reply_at


async def test_response_times_give_the_median_and_90th_percentile(member, moderator):
    for minutes in (10, 20, 30, 40, 600):
        await _answered_after(await make_thread(member), moderator, minutes)
    await make_thread(member, title="Nobody answered me")
    week, month, quarter = await service.response_times()
    assert (week.days, month.days, quarter.days) == (7, 30, 90)
    assert quarter.threads == week.threads
    assert (week.threads, week.answered, week.staff_answered) == (6, 5, 5)
    assert week.median == timedelta(minutes=30)
    assert week.p90 == timedelta(minutes=600)


async def test_unanswered_lists_threads_without_replies_and_support_without_staff(
    member, other_member
):
    support = await make_category(kind="support")
    lonely = await make_thread(member, title="Still waiting here")
    question = await make_thread(member, category=support, title="Members only answered")
    await make_reply(question, other_member)
    nobody, no_staff = await service.unanswered()
    assert [t.title for t in nobody] == ["Still waiting here"]
    assert [t.title for t in no_staff] == ["Members only answered"]
    assert lonely.id not in [t.id for t in no_staff]


async def test_activity_counts_posts_threads_and_members_per_day(member, other_member):
    thread = await make_thread(member)
    await make_reply(thread, other_member)
    days = await service.activity()
    today = days[-1]
    assert len(days) == service.CHART_DAYS
    assert today.day == datetime.now(UTC).date()
    assert (today.posts, today.threads, today.members) == (2, 1, 2)
    assert sum(day.posts for day in days[:-1]) == 0


async def test_health_counts_members_active_members_and_solvers(member, other_member, moderator):
    support = await make_category(kind="support")
    thread = await make_thread(member, category=support)
    answer = await make_reply(thread, other_member)
    await threads.mark_solution(await threads.get_post(answer.id), member)
    numbers = await service.health()
    assert (numbers.members, numbers.active_members, numbers.members_with_solution) == (3, 2, 1)


async def test_the_manager_reads_the_dashboard_and_downloads_csv(client, member, manager):
    await _answered_after(await make_thread(member), manager, 60)
    await login(client, manager)
    page = await client.get("/admin")
    assert page.status_code == 200
    assert "How fast the community answers" in page.text and "<svg" in page.text
    assert "1 hour" in page.text  # the median first reply, in words
    csv = await client.get("/admin/dashboard.csv")
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.strip().splitlines()
    assert lines[0] == "day,posts,new_threads,new_members" and len(lines) == 31


async def test_a_category_shows_how_fast_it_is_usually_answered(client, member, moderator):
    support = await make_category(kind="support")
    for minutes in (60, 120, 180):
        await _answered_after(await make_thread(member, category=support), moderator, minutes)
    threads._typical_cache.clear()
    page = await client.get(support.url)
    assert "Usually answered within 2 hours" in page.text


async def test_the_dashboard_counts_advocates_and_their_share_of_support_answers(
    client, manager, member
):
    support = await make_category(kind="support")
    advocate = await make_user("veteran")
    await advocacy.standing(advocate.id)
    await Standing.filter(user_id=advocate.id).update(tier="advocate", tier_since=datetime.now(UTC))
    question = await make_thread(member, category=support)
    await make_reply(question, advocate, "Try the reset")
    await make_reply(question, manager, "Also check the cable")
    await make_reply(question, await make_user("newbie"), "Same here")
    await make_reply(question, advocate, "Did it work?")
    await login(client, manager)
    page = (await client.get("/admin")).text
    assert "Advocates and Champions" in page
    assert "1 new in the period" in page
    assert "25% / 50% / 25%" in page  # staff / advocates / other members
