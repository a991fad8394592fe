"""Ideas through HTTP: voting from the thread page, the status and its history in the thread's
head, the ideas category's orders and filters, and what it costs other pages (nothing)."""

import asyncio
import re
from datetime import UTC, datetime, timedelta

from forum import pagecache
from forum.ideas import service
from forum.ideas.models import Idea, IdeaStatusChange
from forum.moderation import service as moderation
from tests.conftest import count_queries, login, make_thread, make_user, submit


def _head(html: str) -> str:
    """The idea's box in the thread head."""
    match = re.search(r'<section class="idea-head".*?</section>', html, re.S)
    assert match, "the thread has no idea box"
    return match.group(0)


async def test_a_member_votes_from_the_thread_page_and_takes_it_back(
    client, ideas, member, other_member
):
    thread = await make_thread(member, ideas, title="Dark mode for the app")
    await login(client, other_member)
    head = _head((await client.get(thread.url)).text)
    assert "0 votes" in head and f'action="/t/{thread.id}/vote"' in head
    response = await submit(client, f"/t/{thread.id}/vote")
    assert response.status_code == 303 and response.headers["location"] == f"{thread.url}#idea"
    head = _head((await client.get(thread.url)).text)
    assert "1 vote" in head and f'action="/t/{thread.id}/unvote"' in head
    await submit(client, f"/t/{thread.id}/vote")  # a second click changes nothing
    assert (await Idea.get(id=thread.id)).vote_count == 1
    await submit(client, f"/t/{thread.id}/unvote")
    head = _head((await client.get(thread.url)).text)
    assert "0 votes" in head and f'action="/t/{thread.id}/vote"' in head


async def test_many_clicks_at_once_count_one_vote(client, ideas, member, other_member):
    thread = await make_thread(member, ideas, title="Dark mode for the app")
    await login(client, other_member)
    responses = await asyncio.gather(*(submit(client, f"/t/{thread.id}/vote") for _ in range(5)))
    assert {r.status_code for r in responses} == {303}
    assert (await Idea.get(id=thread.id)).vote_count == 1


async def test_guests_silenced_members_and_the_author_get_no_vote_button_and_are_refused(
    client, ideas, member
):
    thread = await make_thread(member, ideas, title="Dark mode for the app")
    head = _head((await client.get(thread.url)).text)
    assert "Log in" in head and "/vote" not in head
    assert (await submit(client, f"/t/{thread.id}/vote")).status_code == 403
    silenced = await make_user(silenced_until=datetime.now(UTC) + timedelta(days=2))
    for user in (silenced, member):
        await login(client, user)
        assert "/vote" not in _head((await client.get(thread.url)).text)
        assert (await submit(client, f"/t/{thread.id}/vote")).status_code == 403
    assert (await Idea.get(id=thread.id)).vote_count == 0


async def test_no_voting_on_a_done_or_locked_idea(client, ideas, member, other_member, moderator):
    done = await make_thread(member, ideas, title="Dark mode for the app")
    await service.set_status(done, moderator, status="done", note="Shipped")
    locked = await make_thread(member, ideas, title="A widget for the home screen")
    await moderation.lock_thread(locked, moderator, "Duplicate")
    await login(client, other_member)
    for thread in (done, locked):
        assert "Voting is closed." in _head((await client.get(thread.url)).text)
        assert (await submit(client, f"/t/{thread.id}/vote")).status_code == 403


async def test_voting_outside_ideas_categories_is_not_found_or_refused(
    client, member, other_member
):
    thread = await make_thread(member, title="How do I pair it?")
    await login(client, other_member)
    page = (await client.get(thread.url)).text
    assert 'class="idea-head"' not in page
    assert (await submit(client, f"/t/{thread.id}/vote")).status_code == 403
    assert (await submit(client, "/t/999999/vote")).status_code == 404


async def test_the_thread_head_shows_the_status_its_note_date_and_history(
    client, ideas, member, moderator
):
    thread = await make_thread(member, ideas, title="Dark mode for the app")
    head = _head((await client.get(thread.url)).text)
    assert "has not given this idea a status yet" in head
    await service.set_status(thread, moderator, status="under_review", note="Looking at it")
    await service.set_status(thread, moderator, status="planned", note="For the May release")
    await pagecache.bump()  # written behind the app's back, as the worker would
    head = _head((await client.get(thread.url)).text)
    assert "Planned" in head and "For the May release" in head and "<time" in head
    history = head[head.index("Status history") :]
    assert history.index("For the May release") < history.index("Looking at it")
    assert "Under review" in history


async def test_staff_set_the_status_from_the_thread_page(
    client, ideas, member, other_member, moderator
):
    thread = await make_thread(member, ideas, title="Dark mode for the app")
    await login(client, other_member)
    assert f'action="/t/{thread.id}/idea-status"' not in (await client.get(thread.url)).text
    response = await submit(client, f"/t/{thread.id}/idea-status", {"status": "planned"})
    assert response.status_code == 403
    await login(client, moderator)
    assert f'action="/t/{thread.id}/idea-status"' in (await client.get(thread.url)).text
    response = await submit(
        client, f"/t/{thread.id}/idea-status", {"status": "in_progress", "note": "Building it"}
    )
    assert response.status_code == 303
    idea = await Idea.get(id=thread.id)
    assert (idea.status, idea.status_note) == ("in_progress", "Building it")


async def test_a_status_form_with_errors_comes_back_with_the_note_kept(
    client, ideas, member, moderator
):
    thread = await make_thread(member, ideas, title="Dark mode for the app")
    await login(client, moderator)
    response = await submit(
        client, f"/t/{thread.id}/idea-status", {"status": "declined", "note": ""}
    )
    assert response.status_code == 400 and 'id="note-error"' in response.text
    long_note = "Too long " * 40
    response = await submit(
        client, f"/t/{thread.id}/idea-status", {"status": "planned", "note": long_note}
    )
    assert response.status_code == 400 and 'id="note-error"' in response.text
    assert long_note.strip() in response.text
    assert '<option value="planned" selected>' in response.text
    assert not await IdeaStatusChange.all().exists()


async def test_the_category_page_sorts_by_votes_and_pages_by_keyset(
    client, ideas, member, monkeypatch
):
    monkeypatch.setattr(service, "PER_PAGE", 2)
    voters = [await make_user() for _ in range(3)]
    for votes, title in [(1, "One vote idea"), (3, "Three votes idea"), (0, "Zero votes idea")]:
        thread = await make_thread(member, ideas, title=title)
        for voter in voters[:votes]:
            await service.vote(thread, voter)
    latest = (await client.get(ideas.url)).text
    assert latest.index("Zero votes idea") < latest.index("One vote idea")
    first = (await client.get(f"{ideas.url}?sort=votes")).text
    assert first.index("Three votes idea") < first.index("One vote idea")
    assert "Zero votes idea" not in first and "3 votes" in first
    next_link = re.search(r'href="([^"]*after=[^"]*)"', first).group(1).replace("&amp;", "&")
    assert "sort=votes" in next_link
    second = (await client.get(next_link)).text
    assert "Zero votes idea" in second and "Three votes idea" not in second


async def test_the_category_page_filters_by_status(client, ideas, member, moderator):
    planned = await make_thread(member, ideas, title="Planned idea")
    await service.set_status(planned, moderator, status="planned", note="Soon")
    await make_thread(member, ideas, title="Unanswered idea")
    page = (await client.get(f"{ideas.url}?status=planned")).text
    assert "Planned idea" in page and "Unanswered idea" not in page
    page = (await client.get(f"{ideas.url}?sort=votes&status=none")).text
    assert "Unanswered idea" in page and "Planned idea" not in page
    page = (await client.get(f"{ideas.url}?status=done")).text
    assert "No ideas with this status." in page
    # Anything unknown is the default page.
    page = (await client.get(f"{ideas.url}?status=bogus&sort=bogus")).text
    assert "Planned idea" in page and "Unanswered idea" in page


async def test_thread_lists_show_votes_and_status_for_ideas_only(
    client, ideas, member, other_member, moderator
):
    thread = await make_thread(member, ideas, title="Dark mode for the app")
    await service.vote(thread, other_member)
    await service.set_status(thread, moderator, status="planned", note="Soon")
    await make_thread(member, title="How do I pair it?")
    for url in ("/", ideas.url):
        page = (await client.get(url)).text
        row = page[page.index("Dark mode for the app") :]
        row = row[: row.index("</li>")]
        assert "1 vote" in row and "Planned" in row, url
    general = (await client.get("/c/general")).text
    assert "votes" not in general and "Planned" not in general


async def test_a_list_costs_one_query_for_its_ideas_whatever_their_number(client, ideas, member):
    for number in range(2):
        await make_thread(member, ideas, title=f"Idea number {number}")
    await client.get("/")
    with count_queries() as few:
        await client.get(ideas.url)
    for number in range(8):
        await make_thread(member, ideas, title=f"More idea {number}")
    with count_queries() as many:
        await client.get(ideas.url)
    assert len(few) == len(many)
    assert len([q for q in many if "idea" in q.split("FROM", 1)[-1].split()[0]]) == 1


async def _idea_queries(client, url: str) -> list[str]:
    await client.get("/")  # the community's settings are cached after the first page
    with count_queries() as statements:
        response = await client.get(url)
    assert response.status_code == 200
    return [q for q in statements if re.search(r'\bidea(_vote|_status_change)?\b"?', q)]


async def test_pages_outside_ideas_categories_make_no_idea_queries(client, member, other_member):
    thread = await make_thread(member, title="How do I pair it?")
    for user in (None, other_member):
        if user:
            await login(client, user)
        for url in (thread.url, "/", "/c/general"):
            assert await _idea_queries(client, url) == [], url


async def test_an_idea_thread_page_costs_at_most_three_idea_queries(
    client, ideas, member, other_member, moderator
):
    thread = await make_thread(member, ideas, title="Dark mode for the app")
    assert len(await _idea_queries(client, thread.url)) == 1  # a guest, no votes: the idea
    await service.vote(thread, other_member)
    await login(client, other_member)
    assert len(await _idea_queries(client, thread.url)) == 2  # and whether they voted
    await service.set_status(thread, moderator, status="planned", note="Soon")
    assert len(await _idea_queries(client, thread.url)) == 3  # and the history


async def test_an_ideas_category_shows_threads_made_before_it_became_one(client, member):
    from forum.threads import service as threads
    from tests.conftest import make_category

    category = await make_category(name="Feedback")
    await make_thread(member, category, title="Please add dark mode")
    await threads.update_category(
        category, {"name": "Feedback", "slug": category.slug, "kind": "ideas"}
    )
    await client.get(category.url)  # the list finds the thread without its idea
    page = (await client.get(f"{category.url}?sort=votes")).text
    assert "Please add dark mode" in page and "0 votes" in page


async def test_the_dashboard_lists_the_most_voted_ideas_still_without_a_status(
    client, ideas, member, other_member, manager
):
    waiting = await make_thread(member, ideas, title="Dark mode for the app")
    await service.vote(waiting, other_member)
    answered = await make_thread(member, ideas, title="A widget for the home screen")
    await service.set_status(answered, manager, status="planned", note="")
    await login(client, manager)
    page = (await client.get("/admin")).text
    section = page[page.index('id="ideas-waiting"') :]
    section = section[: section.index("</ul>")]
    assert "Dark mode for the app" in section and "1 vote" in section
    assert "A widget for the home screen" not in section
