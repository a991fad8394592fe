"""Polls through the browser's eyes: adding one, voting without JavaScript, closing, the
follow-up box, the CSV, the dashboard list, and what the thread page costs."""

import re
from datetime import UTC, datetime, timedelta

from forum import pagecache
from forum.notifications.models import Notification
from forum.polls import service
from forum.polls.models import Poll
from forum.threads import service as threads
from tests.conftest import count_queries, login, make_thread, make_user, submit
from tests.polls.test_service import in_days, make_poll, option_ids


def poll_section(html: str) -> str:
    found = re.search(r'<section class="poll".*?</section>', html, re.S)
    assert found, "the page shows no poll"
    return found.group(0)


# --- Adding a poll


async def test_the_author_adds_a_poll_from_the_form(client, member):
    thread = await make_thread(member)
    await login(client, member)
    page = await client.get(thread.url)
    assert f'href="/t/{thread.id}/poll"' in page.text
    form = await client.get(f"/t/{thread.id}/poll")
    assert form.status_code == 200 and 'name="options"' in form.text
    response = await submit(client, f"/t/{thread.id}/poll", {
        "question": "Which colour next?", "options": "Red\nGreen", "kind": "multiple",
        "max_choices": "", "closes_at": in_days(7),
    })  # fmt: skip
    assert response.status_code == 303
    assert response.headers["location"] == f"{thread.url}#poll"
    poll = await Poll.get(thread_id=thread.id)
    assert poll.multiple and poll.closes_at is not None
    section = poll_section((await client.get(thread.url)).text)
    assert "Which colour next?" in section and "Closes" in section
    assert f'href="/t/{thread.id}/poll"' not in (await client.get(thread.url)).text


async def test_a_form_with_errors_comes_back_with_the_text_kept(client, member):
    thread = await make_thread(member)
    await login(client, member)
    response = await submit(client, f"/t/{thread.id}/poll", {
        "question": "Which colour should it be?", "options": "Only red", "kind": "multiple",
        "max_choices": "7", "closes_at": "2001-01-01T10:00",
    })  # fmt: skip
    assert response.status_code == 400
    assert 'value="Which colour should it be?"' in response.text
    assert ">Only red</textarea>" in response.text
    assert 'id="options-error"' in response.text and 'id="closes_at-error"' in response.text
    assert 'value="2001-01-01T10:00"' in response.text
    assert 'value="multiple" checked' in response.text
    assert not await Poll.filter(thread_id=thread.id).exists()


async def test_other_members_may_not_add_a_poll_to_someone_elses_thread(
    client, member, other_member
):
    thread = await make_thread(member)
    await login(client, other_member)
    assert f'href="/t/{thread.id}/poll"' not in (await client.get(thread.url)).text
    assert (await client.get(f"/t/{thread.id}/poll")).status_code == 403
    response = await submit(client, f"/t/{thread.id}/poll",
                            {"question": "Sneaky question?", "options": "a\nb"})  # fmt: skip
    assert response.status_code == 403
    assert not await Poll.filter(thread_id=thread.id).exists()


async def test_a_new_thread_with_a_poll_goes_on_to_the_poll_form(client, member):
    await login(client, member)
    category = (await threads.categories())[0]
    response = await submit(client, "/t/new", {
        "category": str(category.id), "title": "Pick the next colour", "body": "Vote below.",
        "add_poll": "1",
    })  # fmt: skip
    assert response.status_code == 303
    assert re.fullmatch(r"/t/\d+/poll", response.headers["location"])
    assert (await client.get(response.headers["location"])).status_code == 200


async def test_the_new_thread_form_keeps_the_poll_box_ticked_after_an_error(client, member):
    await login(client, member)
    response = await submit(client, "/t/new", {"category": "", "title": "", "body": "",
                                               "add_poll": "1"})  # fmt: skip
    assert response.status_code == 400
    assert re.search(r'name="add_poll" value="1" checked', response.text)


async def test_a_thread_titled_poll_is_read_at_its_address_by_anyone(client, member, other_member):
    """Its author, who may add a poll, too: the thread's address is not the poll form's."""
    thread = await make_thread(member, title="Poll!", body="Which band do you wear?")
    assert thread.url == f"/t/{thread.id}/poll-topic"
    for reader in (None, other_member, member):
        if reader:
            await login(client, reader)
        assert "Which band do you wear?" in (await client.get(thread.url)).text
    assert "Add a poll" in (await client.get(f"/t/{thread.id}/poll")).text


# --- Voting


async def test_a_guest_sees_the_question_and_the_voter_count_but_no_results(client, member):
    thread = await make_thread(member)
    poll = await make_poll(thread, member)
    await service.vote(poll, await make_user(), (await option_ids(poll))[:1])
    section = poll_section((await client.get(thread.url)).text)
    assert "Which colour should the next lamp come in?" in section
    assert "1 voter" in section and "Log in to vote" in section
    assert "<table" not in section and "<svg" not in section and "<form" not in section


async def test_a_member_votes_and_then_sees_the_chart_and_the_table(client, member, other_member):
    thread = await make_thread(member)
    poll = await make_poll(thread, member)
    red, green, _blue = await option_ids(poll)
    await login(client, other_member)
    before = poll_section((await client.get(thread.url)).text)
    assert 'type="radio" name="option"' in before and "<table" not in before
    response = await submit(client, f"/polls/{poll.id}/vote", {"option": green})
    assert response.status_code == 303 and response.headers["location"].endswith("#poll")
    after = poll_section((await client.get(thread.url)).text)
    assert '<svg viewBox="0 0 300 102" role="img"' in after
    assert 'width="300.0"' in after  # green's bar: 100 % of the voters
    rows = re.findall(r"<tr( class=\"mine\")?>\s*<th scope=\"row\">(.*?)</th>\s*<td>(\d+)</td>"
                      r"\s*<td>(\d+)%</td>", after, re.S)  # fmt: skip
    assert [(mine, re.sub("<.*?>", "", name).strip(), votes, pct)
            for mine, name, votes, pct in rows] == [
        ("", "Red", "0", "0"), (' class="mine"', "Green Your choice", "1", "100"),
        ("", "Blue", "0", "0"),
    ]  # fmt: skip
    assert "style=" not in after
    # The vote can change until the poll closes: the form is still there, the choice ticked.
    assert "Change your vote" in after
    assert f'value="{green}" checked' in after
    await submit(client, f"/polls/{poll.id}/vote", {"option": red})
    assert (await Poll.get(id=poll.id)).voter_count == 1


async def test_a_multiple_choice_vote_sends_several_boxes(client, member, other_member):
    thread = await make_thread(member)
    poll = await make_poll(thread, member, multiple=True, max_choices="2")
    red, green, blue = await option_ids(poll)
    await login(client, other_member)
    assert 'type="checkbox" name="option"' in poll_section((await client.get(thread.url)).text)
    too_many = await submit(client, f"/polls/{poll.id}/vote", {"option": [red, green, blue]})
    assert too_many.status_code == 400
    assert "Choose at most 2 options." in too_many.text
    # The choices come back ticked, next to the message.
    assert f'value="{red}" checked' in too_many.text and f'value="{blue}" checked' in too_many.text
    ok = await submit(client, f"/polls/{poll.id}/vote", {"option": [red, blue]})
    assert ok.status_code == 303


async def test_a_vote_without_a_choice_is_refused_with_the_form_again(client, member, other_member):
    thread = await make_thread(member)
    poll = await make_poll(thread, member)
    await login(client, other_member)
    response = await submit(client, f"/polls/{poll.id}/vote", {})
    assert response.status_code == 400
    assert 'id="option-error"' in response.text and "Choose an option." in response.text
    assert (await Poll.get(id=poll.id)).voter_count == 0


async def test_a_vote_on_a_closed_poll_is_refused_with_a_reason(client, member, other_member):
    thread = await make_thread(member)
    poll = await make_poll(thread, member)
    await service.close(poll)
    await login(client, other_member)
    response = await submit(
        client, f"/polls/{poll.id}/vote", {"option": (await option_ids(poll))[0]}
    )
    assert response.status_code == 400 and "This poll is closed" in response.text
    assert (await Poll.get(id=poll.id)).voter_count == 0


async def test_a_silenced_member_cannot_vote(client, member):
    thread = await make_thread(member)
    poll = await make_poll(thread, member)
    quiet = await make_user(silenced_until=datetime.now(UTC) + timedelta(days=2))
    await login(client, quiet)
    assert "<form" not in poll_section((await client.get(thread.url)).text)
    response = await submit(
        client, f"/polls/{poll.id}/vote", {"option": (await option_ids(poll))[0]}
    )
    assert response.status_code == 403
    assert (await Poll.get(id=poll.id)).voter_count == 0


# --- Closing, the follow-up and the manager's tools


async def test_the_author_closes_the_poll_and_everyone_sees_the_results(
    client, member, other_member, manager
):
    thread = await make_thread(member)
    poll = await make_poll(thread, member)
    await service.vote(poll, other_member, (await option_ids(poll))[:1])
    await login(client, other_member)
    assert (await submit(client, f"/polls/{poll.id}/close")).status_code == 403
    await login(client, member)
    assert "Close the poll now" in poll_section((await client.get(thread.url)).text)
    assert (await submit(client, f"/polls/{poll.id}/close")).status_code == 303
    assert (await Poll.get(id=poll.id)).closed_at is not None
    client.cookies.clear()
    section = poll_section((await client.get(thread.url)).text)
    assert "Closed" in section and "<table" in section and "Log in to vote" not in section
    assert await Notification.filter(user_id=manager.id, kind="poll_closed").count() == 1


async def test_staff_get_the_follow_up_box_once_the_poll_closes(
    client, member, other_member, moderator
):
    thread = await make_thread(member)
    poll = await make_poll(thread, member)
    await service.vote(poll, other_member, (await option_ids(poll))[:1])
    await login(client, moderator)
    assert 'name="poll_follow_up"' not in (await client.get(thread.url)).text
    await service.close(poll)
    assert 'name="poll_follow_up"' in (await client.get(thread.url)).text
    assert 'name="poll_follow_up"' in (await client.get(f"/t/{thread.id}/reply")).text
    await login(client, member)
    assert 'name="poll_follow_up"' not in (await client.get(thread.url)).text
    await login(client, moderator)
    answer = {"body": "Green wins: it ships in May.", "poll_follow_up": "1"}
    response = await submit(client, f"/t/{thread.id}/reply", answer)
    assert response.status_code == 303
    poll = await Poll.get(id=poll.id)
    assert poll.follow_up_post_id is not None
    section = poll_section((await client.get(thread.url)).text)
    assert f'href="/p/{poll.follow_up_post_id}"' in section and "Follow-up:" in section
    assert 'name="poll_follow_up"' not in (await client.get(thread.url)).text
    assert await Notification.filter(user_id=other_member.id, kind="poll_follow_up").exists()


async def test_a_refused_follow_up_reply_keeps_the_box_ticked(client, member, moderator):
    thread = await make_thread(member)
    await service.close(await make_poll(thread, member))
    await login(client, moderator)
    response = await submit(client, f"/t/{thread.id}/reply", {"body": "", "poll_follow_up": "1"})
    assert response.status_code == 400
    assert re.search(r'name="poll_follow_up" value="1"[^>]* checked', response.text)


async def test_the_manager_downloads_the_results_as_csv(client, member, moderator, manager):
    thread = await make_thread(member)
    poll = await make_poll(thread, member, question="Which colour? <b>now</b>")
    await service.vote(poll, member, (await option_ids(poll))[:1])
    await login(client, moderator)
    assert (await client.get(f"/polls/{poll.id}/results.csv")).status_code == 403
    await login(client, manager)
    assert "Results as CSV" in poll_section((await client.get(thread.url)).text)
    response = await client.get(f"/polls/{poll.id}/results.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == (
        f'attachment; filename="poll-{poll.id}-results.csv"'
    )
    assert response.text.splitlines() == [
        "option,votes,percent", "Red,1,100.0", "Green,0,0.0", "Blue,0,0.0"
    ]  # fmt: skip


async def test_the_dashboard_lists_closed_polls_waiting_for_a_follow_up(client, member, manager):
    thread = await make_thread(member, title="Colour of the next lamp")
    poll = await make_poll(thread, member, question="Which colour do you like best?")
    await login(client, manager)
    assert "Which colour do you like best?" not in (await client.get("/admin")).text
    await service.close(poll)
    page = (await client.get("/admin")).text
    assert f'<a href="{thread.url}#poll">Which colour do you like best?</a>' in page


async def test_a_poll_on_a_deleted_thread_is_gone(client, member, manager):
    thread = await make_thread(member)
    poll = await make_poll(thread, member)
    [opening] = await threads.thread_page(thread, 1)
    await threads.delete_post(await threads.get_post(opening.id), member)
    await login(client, manager)
    assert (await client.get(f"/polls/{poll.id}/results.csv")).status_code == 404
    assert (await submit(client, f"/polls/{poll.id}/vote", {"option": "1"})).status_code == 404


# --- What it costs


async def _queries(client, url: str) -> int:
    await client.get("/")  # the community's settings are cached after the first page
    await pagecache.bump()  # measured as after a write: nothing shared from before
    with count_queries() as statements:
        assert (await client.get(url)).status_code == 200
    return len(statements)


async def test_a_poll_costs_one_query_and_a_second_for_a_member_and_no_poll_none(
    client, member, other_member
):
    plain = await make_thread(member, title="No poll in here")
    polled = await make_thread(member, title="A poll in here")
    poll = await make_poll(polled, member)
    await service.vote(poll, other_member, (await option_ids(poll))[:1])
    # A guest: one query for the poll with its options; none where the thread has no poll.
    assert await _queries(client, polled.url) == await _queries(client, plain.url) + 1
    await login(client, other_member)
    # A member: also the choices they made.
    assert await _queries(client, polled.url) == await _queries(client, plain.url) + 2
    # Later pages look for no poll at all.
    for number in range(25):
        await threads.reply(polled, member, f"Reply number {number} here")
    page_1, page_2 = (
        await _queries(client, polled.url),
        await _queries(client, f"{polled.url}?page=2"),
    )
    assert page_2 == page_1 - 2
