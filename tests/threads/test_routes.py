"""Reading and writing threads through HTTP, as guests, members and staff."""

import pytest

from forum import pagecache
from forum.threads import service
from forum.threads.models import POSTS_PER_PAGE, Like, Post, Thread
from tests.conftest import (
    count_queries,
    general,
    login,
    make_category,
    make_reply,
    make_thread,
    make_user,
    submit,
)


async def test_a_guest_browses_latest_categories_a_category_a_thread_and_a_profile(client, member):
    thread = await make_thread(member, title="Firmware 2.1 feedback", body="Works **great**")
    assert "Firmware 2.1 feedback" in (await client.get("/")).text
    assert 'href="/c/general"' in (await client.get("/categories")).text
    assert "Firmware 2.1 feedback" in (await client.get("/c/general")).text
    page = await client.get(thread.url)
    assert page.status_code == 200 and "<strong>great</strong>" in page.text
    assert "to reply." in page.text  # guests are invited to sign in, not shown a form
    profile = await client.get("/u/ana")
    assert profile.status_code == 200 and "Firmware 2.1 feedback" in profile.text


async def test_a_thread_shows_twenty_posts_a_page_and_page_two_starts_at_21(client, member):
    thread = await make_thread(member)
    for number in range(2, 46):
        await make_reply(thread, member, f"Reply body {number}")
    first = await client.get(thread.url)
    second = await client.get(f"{thread.url}?page=2")
    assert first.text.count('<section class="post') == POSTS_PER_PAGE
    assert 'id="p21"' in second.text and 'id="p40"' in second.text and 'id="p41"' not in second.text
    assert 'href="/t/' in second.text and 'rel="prev"' in second.text
    assert (await client.get(f"{thread.url}?page=3")).text.count('<section class="post') == 5


@pytest.mark.parametrize("page", ["4", "0", "-1", "two", "99999999999999999999"])
async def test_a_page_past_the_end_or_not_a_number_is_the_404_page(client, member, page):
    thread = await make_thread(member)
    response = await client.get(f"{thread.url}?page={page}")
    assert response.status_code == 404 and "Page not found" in response.text


async def test_unknown_or_non_numeric_ids_are_404_pages(client, database):
    for url in ("/t/999", "/t/abc/slug", "/c/nowhere", "/u/nobody", "/p/12345/edit"):
        response = await client.get(url)
        assert response.status_code == 404, url
        assert "Page not found" in response.text


async def test_an_old_or_missing_slug_redirects_to_the_thread(client, member):
    thread = await make_thread(member, title="Как настроить")
    for url in (f"/t/{thread.id}", f"/t/{thread.id}/old-title?page=1"):
        response = await client.get(url)
        assert response.status_code == 301
        assert response.headers["location"].startswith(f"/t/{thread.id}/kak-nastroit")


async def test_a_thread_titled_like_an_action_page_opens_at_its_own_address(client, member):
    """/t/<id>/reply and /t/<id>/poll are the reply and poll forms: a thread called "Reply"
    or "Poll!" gets a slug of its own, at its start and when renamed."""
    thread = await make_thread(member, title="Reply", body="Which strap fits the S2?")
    assert thread.url == f"/t/{thread.id}/reply-topic"
    response = await client.get(thread.url)
    assert response.status_code == 200
    assert "Which strap fits the S2?" in response.text
    await service.rename_thread(thread, "Poll!")
    await pagecache.bump()  # as a request would
    renamed = await Thread.get(id=thread.id)
    assert renamed.url == f"/t/{thread.id}/poll-topic"
    assert "Which strap fits the S2?" in (await client.get(renamed.url)).text


async def test_a_member_starts_a_thread_from_the_form(client, member):
    await login(client, member)
    category = await general()
    response = await submit(
        client, "/t/new",
        {"category": str(category.id), "title": "Pairing with my phone", "body": "Any tips?"},
    )  # fmt: skip
    assert response.status_code == 303
    page = await client.get(response.headers["location"])
    assert "Pairing with my phone" in page.text and "Any tips?" in page.text


async def test_a_rejected_thread_keeps_the_text_and_marks_each_field(client, member):
    await login(client, member)
    response = await submit(
        client, "/t/new", {"category": "12345", "title": "Hi", "body": "My long question text"}
    )
    assert response.status_code == 400
    assert 'id="title-error"' in response.text and 'id="category-error"' in response.text
    assert "My long question text</textarea>" in response.text and 'value="Hi"' in response.text
    assert not await Thread.exists()


async def test_guests_are_sent_to_log_in_before_starting_a_thread(client, database):
    response = await client.get("/t/new")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


async def test_a_member_replies_and_lands_on_their_post(client, member, other_member):
    thread = await make_thread(member)
    await login(client, other_member)
    response = await submit(client, f"/t/{thread.id}/reply", {"body": "Try a restart, @ana"})
    assert response.status_code == 303 and response.headers["location"].endswith("#p2")
    page = await client.get(thread.url)
    assert 'href="/u/ana">@ana</a>' in page.text


async def test_an_empty_reply_is_refused_and_nothing_is_lost(client, member):
    thread = await make_thread(member)
    await login(client, member)
    response = await submit(client, f"/t/{thread.id}/reply", {"body": " "})
    assert response.status_code == 400 and 'id="body-error"' in response.text
    long = "x" * (service.BODY_MAX + 1)
    response = await submit(client, f"/t/{thread.id}/reply", {"body": long})
    assert response.status_code == 400 and long in response.text


async def test_nobody_but_staff_replies_to_a_locked_thread(client, member, moderator):
    thread = await make_thread(member)
    await service.set_locked(thread, True)
    await login(client, member)
    assert (await submit(client, f"/t/{thread.id}/reply", {"body": "Still?"})).status_code == 403
    assert "locked" in (await client.get(thread.url)).text
    await login(client, moderator)
    assert (
        await submit(client, f"/t/{thread.id}/reply", {"body": "Staff note"})
    ).status_code == 303


async def test_a_reply_to_a_deleted_thread_is_a_404(client, member):
    thread = await make_thread(member)
    first = await service.get_post((await Post.get(thread_id=thread.id)).id)
    await service.delete_post(first, member)
    await login(client, member)
    assert (await submit(client, f"/t/{thread.id}/reply", {"body": "Hello?"})).status_code == 404


async def test_quoting_a_post_fills_the_reply_with_it(client, member, other_member):
    thread = await make_thread(member, body="Line one\nLine two")
    first = await Post.get(thread_id=thread.id)
    await login(client, other_member)
    page = await client.get(f"/t/{thread.id}/reply?quote={first.id}")
    assert "@ana:\n&gt; Line one\n&gt; Line two" in page.text


async def test_a_member_edits_their_post_and_staff_read_the_history(client, member, moderator):
    thread = await make_thread(member, body="Old words")
    post = await Post.get(thread_id=thread.id)
    await login(client, member)
    response = await submit(
        client, f"/p/{post.id}/edit", {"title": thread.title, "body": "New words"}
    )
    assert response.status_code == 303
    assert "New words" in (await client.get(thread.url)).text
    assert (await client.get(f"/p/{post.id}/revisions")).status_code == 403
    await login(client, moderator)
    history = await client.get(f"/p/{post.id}/revisions")
    assert history.status_code == 200 and "Old words" in history.text


async def test_nobody_edits_or_deletes_another_members_post(client, member, other_member):
    thread = await make_thread(member)
    post = await Post.get(thread_id=thread.id)
    await login(client, other_member)
    assert (await client.get(f"/p/{post.id}/edit")).status_code == 403
    assert (await submit(client, f"/p/{post.id}/edit", {"body": "hijack"})).status_code == 403
    assert (await submit(client, f"/p/{post.id}/delete")).status_code == 403
    assert (await Post.get(id=post.id)).body.startswith("It blinks red and will not start")


async def test_a_deleted_reply_shows_a_placeholder_to_members_and_the_text_to_staff(
    client, member, other_member, moderator
):
    thread = await make_thread(member)
    reply = await make_reply(thread, other_member, "Regrettable words")
    await login(client, other_member)
    assert (await submit(client, f"/p/{reply.id}/delete")).status_code == 303
    page = await client.get(thread.url)
    assert "This post was deleted." in page.text and "Regrettable words" not in page.text
    await login(client, moderator)
    assert "Regrettable words" in (await client.get(thread.url)).text


async def test_likes_toggle_and_authors_cannot_like_themselves(client, member, other_member):
    thread = await make_thread(member)
    post = await Post.get(thread_id=thread.id)
    await login(client, member)
    assert (await submit(client, f"/p/{post.id}/like")).status_code == 403
    await login(client, other_member)
    await submit(client, f"/p/{post.id}/like")
    await submit(client, f"/p/{post.id}/like")
    assert await Like.filter(post_id=post.id).count() == 1
    assert 'aria-pressed="true"' in (await client.get(thread.url)).text
    await submit(client, f"/p/{post.id}/unlike")
    assert not await Like.exists()


async def test_the_asker_marks_the_solution_and_the_thread_shows_solved(
    client, member, other_member
):
    support = await make_category(kind="support")
    thread = await make_thread(member, category=support)
    answer = await make_reply(thread, other_member, "Hold the reset button")
    await login(client, other_member)
    assert (await submit(client, f"/p/{answer.id}/solve")).status_code == 403
    await login(client, member)
    assert (await submit(client, f"/p/{answer.id}/solve")).status_code == 303
    page = await client.get(thread.url)
    assert "Solved" in page.text and f'href="{thread.url}#p2"' in page.text
    assert "Accepted answer" in page.text
    assert "Solved" in (await client.get(support.url)).text


async def test_discussion_threads_have_no_solution_button(client, member, other_member):
    thread = await make_thread(member)
    answer = await make_reply(thread, other_member)
    await login(client, member)
    assert "Mark as solution" not in (await client.get(thread.url)).text
    assert (await submit(client, f"/p/{answer.id}/solve")).status_code == 403


async def test_the_manager_creates_edits_orders_and_archives_categories(client, manager):
    await login(client, manager)
    response = await submit(
        client, "/admin/categories/new",
        {"name": "Help & Support", "slug": "", "description": "Ask here", "colour": "#aa3300",
         "kind": "support", "start_role": "member"},
    )  # fmt: skip
    assert response.status_code == 303
    listing = await client.get("/admin/categories")
    assert "Help &amp; Support" in listing.text and "/c/help-support" in listing.text
    category = (await service.categories())[-1]
    await submit(client, f"/admin/categories/{category.id}/move", {"direction": "up"})
    assert (await service.categories())[0].id == category.id
    await submit(
        client, f"/admin/categories/{category.id}/edit",
        {"name": "Support", "slug": "support", "description": "", "colour": "#aa3300",
         "kind": "support", "start_role": "staff"},
    )  # fmt: skip
    await submit(client, f"/admin/categories/{category.id}/archive", {"archived": "1"})
    categories = await client.get("/categories")
    assert "Archived" in categories.text and 'href="/c/support"' in categories.text


async def test_a_bad_category_form_keeps_the_input(client, manager):
    await login(client, manager)
    response = await submit(
        client, "/admin/categories/new",
        {"name": "", "slug": "", "description": "Keep me", "colour": "red", "kind": "x",
         "start_role": "member"},
    )  # fmt: skip
    assert response.status_code == 400
    for name in ("name", "colour", "kind"):
        assert f'id="{name}-error"' in response.text
    assert "Keep me</textarea>" in response.text


async def test_members_cannot_start_threads_in_staff_only_or_archived_categories(client, member):
    staff_only = await make_category(start_role="staff")
    archived = await make_category()
    await service.set_archived(archived, True)
    await login(client, member)
    for category in (staff_only, archived):
        response = await submit(
            client, "/t/new", {"category": str(category.id), "title": "Sneaky", "body": "post"}
        )
        assert response.status_code == 400 and 'id="category-error"' in response.text


async def _thread_page_queries(client, thread, page: int) -> int:
    await client.get("/")  # the community's settings are cached after the first page
    await pagecache.bump()  # a guest's page is measured as rendered, not as cached
    with count_queries() as statements:
        response = await client.get(f"{thread.url}?page={page}")
    assert response.status_code == 200
    return len(statements)


@pytest.mark.parametrize("signed_in", [False, True])
async def test_a_thread_page_costs_the_same_queries_whatever_its_size(
    client, member, other_member, signed_in
):
    """No N+1: 1 post or 60 by 10 authors, page 1 or a later page, the same query count."""
    if signed_in:
        await login(client, other_member)
    small = await make_thread(member, title="Small thread")
    big = await make_thread(member, title="Big thread")
    authors = [await make_user() for _ in range(10)]
    for number in range(60):
        reply = await make_reply(big, authors[number % 10], f"Reply {number} @ana")
        if number % 3 == 0:
            await service.like(await service.get_post(reply.id), member)
    await service.flush_views()
    counts = {
        await _thread_page_queries(client, small, 1),
        await _thread_page_queries(client, big, 1),
        await _thread_page_queries(client, big, 4),
    }
    assert len(counts) == 1, counts
    # As the first reader after a write: the content version (pagecache), the thread, its
    # page of posts with authors, the authors' tiers. A member also:
    # their notification level, read position and unread count in one read, the write that
    # moves their read position on (every thread they open keeps one), their likes and
    # bookmarks in one read, and their session. (A poll's queries come only with a poll.)
    assert counts.pop() <= (8 if signed_in else 4)


async def test_the_latest_page_costs_the_same_queries_for_3_or_30_threads(client, member):
    for number in range(3):
        await make_thread(member, title=f"Thread {number}")
    await client.get("/")  # the community's settings are cached after the first page
    await pagecache.bump()  # measured as rendered, not as cached
    with count_queries() as few:
        await client.get("/")
    authors = [await make_user() for _ in range(5)]
    for number in range(27):
        await make_thread(authors[number % 5], title=f"More {number}")
    with count_queries() as many:
        await client.get("/")
    assert len(few) == len(many)
