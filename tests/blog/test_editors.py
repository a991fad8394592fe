"""The editors' side through its pages: the board, invitations, review with versions, comments
and corrections, every workflow action, the staff toggle and the dashboard's figures."""

import re
from datetime import UTC, datetime, timedelta

import feedparser

from forum.accounts.models import User
from forum.blog import board, service
from forum.blog.models import EditorialComment, GuestPost
from forum.moderation.models import AuditEntry
from forum.threads.models import Post, Thread
from tests.conftest import login, make_user, submit

BODY = "A reading corner wants warm light from behind the shoulder, never from the front. " * 4


async def post_in(state: str, author: User, title: str = "Lighting a reading corner",
                  **fields) -> GuestPost:  # fmt: skip
    """A guest post put straight into a state (the workflow's own tests cover the moves)."""
    moment = fields.pop("state_changed_at", datetime.now(UTC))
    values = {"topic": title, "brief": "Three setups members love", "title": title,
              "summary": "Three setups that our members love.", "body": BODY,
              "created_at": moment, "state_changed_at": moment, **fields}  # fmt: skip
    return await GuestPost.create(author=author, state=state, **values)


async def written(
    editor: User, author: User, title: str = "Lighting a reading corner"
) -> GuestPost:
    """Invited, accepted and drafted by the author, as the author's pages would."""
    post = await service.invite(editor, author, topic=title, brief="Three setups members love",
                                message="Would you?", due="2099-01-31")  # fmt: skip
    await service.move(post, author, "accept")
    await service.save_draft(post, author, title=title,
                             summary="Three setups that our members love.", body=BODY)  # fmt: skip
    return post


async def published(editor: User, author: User, title: str = "Lighting a reading corner",
                    body: str = BODY) -> GuestPost:  # fmt: skip
    post = await post_in("approved", author, title=title, body=body)
    return await service.move(post, editor, "publish")


def _rows(html: str) -> list[str]:
    """The board's post titles in the order shown."""
    return re.findall(r'<a href="/admin/guest-posts/\d+">([^<]+)</a>', html)


# --- The board


async def test_the_board_groups_by_state_oldest_first_and_marks_overdue_work(client, database):
    editor, author = await make_user("chief", role="manager"), await make_user("writer")
    now = datetime.now(UTC)
    past, future = now - timedelta(days=2), now + timedelta(days=5)
    await post_in(
        "submitted", author, "Newer submission", state_changed_at=now - timedelta(hours=1)
    )
    await post_in("submitted", author, "Older submission", state_changed_at=now - timedelta(days=3))
    await post_in("invited", author, "Late invitation", due_at=past)
    await post_in("invited", author, "Fresh invitation", due_at=future)
    await post_in("drafting", author, "Late draft", due_at=past)
    await post_in("submitted", author, "Submitted after the date", due_at=past,
                  state_changed_at=now - timedelta(minutes=5))  # fmt: skip
    await post_in("published", author, "Live already")

    columns = await board.board()
    assert [c.state for c in columns] == ["invited", "drafting", "submitted", "published"]
    submitted = next(c for c in columns if c.state == "submitted")
    assert [p.title for p in submitted.posts] == [
        "Older submission", "Newer submission", "Submitted after the date"]  # fmt: skip
    late = {p.title for c in columns for p in c.posts if p.id in c.overdue}
    assert late == {"Late invitation", "Late draft"}

    await login(client, editor)
    page = (await client.get("/admin/guest-posts")).text
    assert _rows(page) == [
        "Late invitation", "Fresh invitation", "Late draft", "Older submission",
        "Newer submission", "Submitted after the date", "Live already",
    ]  # fmt: skip
    assert re.search(r"Submitted <strong>3</strong>", page)
    assert re.search(r"Invited <strong>2</strong></a> <span class=\"tag overdue\">1 overdue", page)
    assert page.count('<strong class="tag overdue">Overdue</strong>') == 2
    # Finished work is folded away, still on the page.
    assert '<details class="panel ed-column" id="state-published">' in page
    assert '<details class="panel ed-column" id="state-submitted" open>' in page


async def test_an_empty_board_points_to_the_advocate_finder(client, database):
    await login(client, await make_user("chief", role="manager"))
    response = await client.get("/admin/guest-posts")
    assert response.status_code == 200 and "advocate finder" in response.text


# --- Who may


async def test_members_and_moderators_without_the_right_are_refused(client, database):
    author = await make_user("writer")
    post = await post_in("submitted", author)
    moderator = await make_user("mod", role="moderator")
    for user in (author, moderator):
        await login(client, user)
        for url in (
            "/admin/guest-posts",
            "/admin/guest-posts/invite",
            f"/admin/guest-posts/{post.id}",
        ):
            assert (await client.get(url)).status_code == 403, (user.username, url)
        response = await submit(client, f"/admin/guest-posts/{post.id}/act", {"action": "review"})
        assert response.status_code == 403
        response = await submit(client, f"/admin/guest-posts/{post.id}/comment", {"body": "Hi"})
        assert response.status_code == 403
    assert (await GuestPost.get(id=post.id)).state == "submitted"
    assert not await EditorialComment.exists()


async def test_the_manager_lets_a_moderator_edit_guest_posts_and_takes_it_back(client, database):
    manager = await make_user("chief", role="manager")
    moderator = await make_user("mod", role="moderator")
    post = await post_in("submitted", await make_user("writer"))
    await login(client, manager)
    staff = (await client.get("/admin/staff")).text
    assert "Let them edit guest posts" in staff
    response = await submit(client, "/admin/staff/blog-editor", {"username": "mod", "value": "1"})
    assert response.status_code == 303
    assert (await User.get(id=moderator.id)).blog_editor is True
    assert await AuditEntry.exists(action="blog_editor_on", target_id=moderator.id)

    await login(client, moderator)
    assert (await client.get(f"/admin/guest-posts/{post.id}")).status_code == 200
    assert 'href="/admin/guest-posts"' in (await client.get("/")).text
    response = await submit(client, f"/admin/guest-posts/{post.id}/act", {"action": "review"})
    assert response.status_code == 303
    assert (await GuestPost.get(id=post.id)).state == "in_review"

    await login(client, manager)
    await submit(client, "/admin/staff/blog-editor", {"username": "mod", "value": "0"})
    assert await AuditEntry.exists(action="blog_editor_off", target_id=moderator.id)
    await login(client, moderator)
    assert (await client.get(f"/admin/guest-posts/{post.id}")).status_code == 403


async def test_only_moderators_get_the_editor_right(client, database):
    await login(client, await make_user("chief", role="manager"))
    member = await make_user("writer")
    response = await submit(
        client, "/admin/staff/blog-editor", {"username": "writer", "value": "1"}
    )
    assert response.status_code == 404
    assert (await User.get(id=member.id)).blog_editor is False


# --- Inviting


async def test_an_invitation_from_the_finder_link_starts_an_invited_post(client, database):
    editor, author = await make_user("chief", role="manager"), await make_user("writer")
    await login(client, editor)
    finder = (await client.get("/admin/advocates")).text
    assert "Invite to write a guest post" in finder or "Nobody has earned points" in finder
    form = await client.get("/admin/guest-posts/invite?username=writer")
    assert 'name="username" type="text" value="writer"' in form.text
    response = await submit(client, "/admin/guest-posts/invite", {
        "username": "writer", "topic": "Lighting a reading corner",
        "brief": "Three setups our members love, for beginners.", "message": "Would you?",
        "due": "2099-01-31"})  # fmt: skip
    assert response.status_code == 303
    post = await GuestPost.get(author_id=author.id)
    assert post.state == "invited" and post.invited_by_id == editor.id
    assert board.due_date(post).isoformat() == "2099-01-31"
    assert response.headers["location"] == f"/admin/guest-posts/{post.id}?invited=1"
    page = (await client.get(response.headers["location"])).text
    assert "The invitation is sent" in page and "Waiting for the author to accept." in page
    assert "Three setups our members love, for beginners." in page


async def test_a_refused_invitation_keeps_what_was_typed_and_says_why(client, database):
    await login(client, await make_user("chief", role="manager"))
    response = await submit(client, "/admin/guest-posts/invite", {
        "username": "nobody", "topic": "Lighting a reading corner", "brief": "Kept brief text",
        "due": "2001-01-01"})  # fmt: skip
    assert response.status_code == 400
    assert "No member has this username." in response.text
    assert (
        "Kept brief text" in response.text and 'value="Lighting a reading corner"' in response.text
    )
    await make_user("writer")
    response = await submit(client, "/admin/guest-posts/invite", {
        "username": "writer", "topic": "Lighting a reading corner", "brief": "Kept brief text",
        "due": "2001-01-01"})  # fmt: skip
    assert response.status_code == 400 and "Choose a date in the future." in response.text
    assert not await GuestPost.exists()


# --- Review, through to the blog and back


async def _act(client, post: GuestPost, action: str, **form) -> object:
    return await submit(client, f"/admin/guest-posts/{post.id}/act", {"action": action, **form})


async def test_the_whole_editor_flow_from_review_to_the_blog_and_off_it(client, database):
    editor, author = await make_user("chief", role="manager"), await make_user("writer")
    post = await written(editor, author)
    await service.move(post, author, "submit")
    await login(client, editor)
    url = f"/admin/guest-posts/{post.id}"

    page = (await client.get(url)).text
    assert "Start the review." in page and "warm light from behind the shoulder" in page
    assert (await _act(client, post, "review")).headers["location"] == f"{url}?done=review"
    page = (await client.get(url)).text
    assert "Approve it, ask for changes, or reject it." in page
    for label in ("Request changes", "Approve", "Reject"):
        assert f">{label}</button>" in page
    assert "Publish now" not in page
    assert 'data-confirm="Rejecting ends the work' in page

    # Changes need a reason: the error sits beside the field, nothing moves.
    refused = await _act(client, post, "request_changes", note="")
    assert refused.status_code == 400
    assert 'id="note-request_changes-error">Tell the author why' in refused.text
    assert (await GuestPost.get(id=post.id)).state == "in_review"
    await _act(client, post, "request_changes", note="Add a photo of the second setup.")
    assert (await GuestPost.get(id=post.id)).state == "changes_requested"
    response = await submit(client, f"{url}/comment", {"body": "The opening is lovely."})
    assert response.status_code == 303
    page = (await client.get(url)).text
    assert (
        "Waiting for the author&#39;s revision." in page
        or "Waiting for the author's revision." in page
    )
    assert "Add a photo of the second setup." in page and "The opening is lovely." in page

    # The author revises and submits again; the editor approves.
    post = await GuestPost.get(id=post.id)
    await service.save_draft(post, author, title="Lighting a reading corner",
                             summary="Three setups that our members love.",
                             body=BODY + "\n\nA photo of the second setup.")  # fmt: skip
    await service.move(post, author, "submit")
    await _act(client, post, "review")
    await _act(client, post, "approve")
    assert (await GuestPost.get(id=post.id)).state == "approved"

    # A time in the past is refused beside its field, and the typed value comes back.
    past = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    refused = await _act(client, post, "schedule", publish_at=past)
    assert refused.status_code == 400
    assert 'id="publish_at-error">Choose a time in the future.' in refused.text
    assert f'value="{past}"' in refused.text
    assert (await _act(client, post, "schedule", publish_at="")).status_code == 400
    future = (datetime.now(UTC) + timedelta(days=3)).replace(second=0, microsecond=0)
    await _act(client, post, "schedule", publish_at=future.strftime("%Y-%m-%dT%H:%M"))
    post = await GuestPost.get(id=post.id)
    assert post.state == "scheduled" and post.publish_at == future
    # Scheduled is not public.
    assert "Lighting a reading corner" not in (await client.get("/blog")).text

    # Publish now instead.
    await _act(client, post, "publish")
    post = await GuestPost.get(id=post.id)
    assert post.state == "published" and post.slug == "lighting-a-reading-corner"
    listing = (await client.get("/blog")).text
    assert 'href="/blog/lighting-a-reading-corner"' in listing
    live = await client.get("/blog/lighting-a-reading-corner")
    assert live.status_code == 200 and "A photo of the second setup." in live.text
    # The discussion thread exists and the two link to each other.
    thread = await Thread.get(id=post.thread_id)
    assert (
        f'href="/t/{thread.id}"' in live.text
        and "Discuss this post in the forum (0 replies)" in live.text
    )
    opening = await Post.get(thread_id=thread.id, number=1)
    assert "/blog/lighting-a-reading-corner" in opening.html
    feed = feedparser.parse((await client.get("/feeds/blog.rss")).content)
    assert feed.bozo == 0
    assert [entry.title for entry in feed.entries] == ["Lighting a reading corner"]
    assert feed.entries[0].link.endswith("/blog/lighting-a-reading-corner")

    # Unpublishing takes it off the blog, its feed and its list at once.
    page = (await client.get(url)).text
    assert 'data-confirm="Unpublishing takes the post off the blog' in page
    await _act(client, post, "unpublish")
    assert (await GuestPost.get(id=post.id)).state == "unpublished"
    assert (await client.get("/blog/lighting-a-reading-corner")).status_code == 404
    assert "lighting-a-reading-corner" not in (await client.get("/blog")).text
    feed = feedparser.parse((await client.get("/feeds/blog.rss")).content)
    assert feed.bozo == 0 and feed.entries == []


async def test_an_illegal_action_is_refused_with_the_reason(client, database):
    editor = await make_user("chief", role="manager")
    post = await post_in("submitted", await make_user("writer"))
    await login(client, editor)
    response = await _act(client, post, "publish")
    assert response.status_code == 400
    assert "This cannot be done now: the guest post is" in response.text
    assert (await GuestPost.get(id=post.id)).state == "submitted"


async def test_a_scheduled_time_is_read_in_the_editors_time_zone(client, database):
    editor = await make_user("chief", role="manager", timezone="Europe/Istanbul")
    post = await post_in("approved", await make_user("writer"))
    await login(client, editor)
    page = (await client.get(f"/admin/guest-posts/{post.id}")).text
    assert "In your time zone, Europe/Istanbul." in page
    await _act(client, post, "schedule", publish_at="2099-06-01T12:00")
    stored = (await GuestPost.get(id=post.id)).publish_at
    assert stored == datetime(2099, 6, 1, 9, 0, tzinfo=UTC)


async def test_an_empty_comment_is_refused_beside_the_field(client, database):
    post = await post_in("in_review", await make_user("writer"))
    await login(client, await make_user("chief", role="manager"))
    response = await submit(client, f"/admin/guest-posts/{post.id}/comment", {"body": "  "})
    assert response.status_code == 400 and 'id="body-error"' in response.text
    assert not await EditorialComment.exists()


async def test_comparing_two_versions_shows_added_and_removed_lines_escaped(client, database):
    editor, author = await make_user("chief", role="manager"), await make_user("writer")
    post = await written(editor, author)
    await service.save_draft(post, author, title="Lighting a reading corner",
                             summary="Three setups that our members love.",
                             body=BODY + "\n\nNew <b>closing</b> line")  # fmt: skip
    await login(client, editor)
    url = f"/admin/guest-posts/{post.id}"
    page = (await client.get(url)).text
    assert "Version 1" in page and "Version 2" in page
    assert 'class="ed-line' not in page  # nothing compared until asked
    page = (await client.get(f"{url}?a=1&b=2")).text
    assert re.search(
        r'<ins class="ed-line added">.*New &lt;b&gt;closing&lt;/b&gt; line</ins>', page
    )
    assert "<b>closing</b>" not in page.split('id="versions"')[1]
    page = (await client.get(f"{url}?a=2&b=1")).text
    assert re.search(
        r'<del class="ed-line removed">.*New &lt;b&gt;closing&lt;/b&gt; line</del>', page
    )


async def test_applying_a_correction_changes_the_live_page(client, database):
    editor, author = await make_user("chief", role="manager"), await make_user("writer")
    post = await published(editor, author)
    await service.propose_correction(post, author, title="Lighting a reading corner",
                                     summary="Three setups that our members love.",
                                     body=BODY + "\n\nCorrected: the lamp is 2700 K.")  # fmt: skip
    await login(client, editor)
    url = f"/admin/guest-posts/{post.id}"
    page = (await client.get(url)).text
    assert "A correction waits for you" in page
    assert re.search(r'<ins class="ed-line added">.*Corrected: the lamp is 2700 K.</ins>', page)
    assert "2700 K" not in (await client.get("/blog/lighting-a-reading-corner")).text
    response = await submit(client, f"{url}/correction", {"decision": "apply"})
    assert response.status_code == 303
    assert (
        "Corrected: the lamp is 2700 K."
        in (await client.get("/blog/lighting-a-reading-corner")).text
    )
    assert "A correction waits for you" not in (await client.get(url)).text
    # Nothing left to decide.
    response = await submit(client, f"{url}/correction", {"decision": "decline"})
    assert response.status_code == 400 and "There is no correction waiting." in response.text


async def test_a_declined_correction_leaves_the_live_page_alone(client, database):
    editor, author = await make_user("chief", role="manager"), await make_user("writer")
    post = await published(editor, author)
    await service.propose_correction(post, author, title="Lighting a reading corner",
                                     summary="Three setups that our members love.",
                                     body=BODY + "\n\nWrong change.")  # fmt: skip
    await login(client, editor)
    await submit(client, f"/admin/guest-posts/{post.id}/correction", {"decision": "decline"})
    assert "Wrong change." not in (await client.get("/blog/lighting-a-reading-corner")).text
    assert await service.pending_correction(post) is None


# --- The dashboard


async def test_the_dashboard_counts_invitations_acceptance_and_publication(client, database):
    editor = await make_user("chief", role="manager")
    authors = [await make_user(f"writer{n}") for n in range(4)]
    posts = [await written(editor, author, f"Guest post number {n}")
             for n, author in enumerate(authors[:2])]  # fmt: skip
    declined = await service.invite(editor, authors[2], topic="A topic to decline",
                                    brief="Not for me, thanks", message="",
                                    due="2099-01-31")  # fmt: skip
    await service.move(declined, authors[2], "decline")
    await service.invite(editor, authors[3], topic="Still waiting here", brief="No answer yet",
                         message="", due="2099-01-31")  # fmt: skip
    post = posts[0]
    for actor, action in ((authors[0], "submit"), (editor, "review"), (editor, "approve"),
                          (editor, "publish")):  # fmt: skip
        await service.move(post, actor, action)
    # Invited ten days before publication.
    post = await GuestPost.get(id=post.id)
    await GuestPost.filter(id=post.id).update(created_at=post.published_at - timedelta(days=10))

    figures = await board.figures(30)
    assert figures.invitations == 4
    assert (figures.answered, figures.accepted, figures.acceptance_rate) == (3, 2, 67)
    assert figures.median_to_publication == timedelta(days=10)
    assert [count for _month, _label, count in figures.per_month] == [0, 0, 0, 0, 0, 1]

    await login(client, editor)
    page = (await client.get("/admin")).text
    assert "Invitations sent, last 30 days" in page and "67%" in page
    assert "2 of 3 answered" in page and "10 days" in page
