"""Object-level checks: what belongs to one member (their posts, drafts, invitations and
notifications), what belongs to staff (notes), what is not yet public (unpublished guest posts)
and what is private (e-mail addresses) stays out of everybody else's reach, with a real 403 or
404 page where it is asked for."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from forum.accounts.models import User
from forum.advocacy import service as advocacy
from forum.advocacy.models import Standing
from forum.blog import service as blog
from forum.blog.models import EditorialComment, GuestPost
from forum.notifications.models import Notification
from forum.threads.models import Post
from tests.conftest import login, make_reply, make_thread, make_user, submit

ERROR_TITLES = {403: "You cannot do that", 404: "Page not found"}


def hits(page: str) -> str:
    """The results of a search page (the page itself repeats the words searched for)."""
    start = page.find('<ol class="search-results">')
    return page[start : page.index("</ol>", start)] if start >= 0 else ""


def assert_refused(response: httpx.Response, *statuses: int) -> None:
    """A 403 or 404 answered with the site's own error page, not a bare status."""
    assert response.status_code in (statuses or (403, 404)), response.status_code
    assert ERROR_TITLES[response.status_code] in response.text
    assert "<header" in response.text  # the site's layout, with its way back


# --- Posts


async def test_a_member_cannot_edit_another_members_post(client, member, other_member):
    thread = await make_thread(member, title="Cleaning the filter")
    post = await make_reply(thread, member, "Rinse it under warm water.")
    await login(client, other_member)
    assert_refused(await client.get(f"/p/{post.id}/edit"), 403)
    response = await submit(client, f"/p/{post.id}/edit", {"body": "Throw it away instead."})
    assert_refused(response, 403)
    assert (await Post.get(id=post.id)).body == "Rinse it under warm water."


@pytest.mark.parametrize("who", ["other member", "moderator"])
async def test_nobody_deletes_another_members_post_with_the_authors_button(
    client, member, other_member, moderator, who
):
    """Staff delete others' posts from /mod, with a reason that is audited; never from here."""
    thread = await make_thread(member, title="Cleaning the filter")
    post = await make_reply(thread, member, "Rinse it under warm water.")
    await login(client, other_member if who == "other member" else moderator)
    assert_refused(await submit(client, f"/p/{post.id}/delete"), 403)
    assert (await Post.get(id=post.id)).deleted_at is None


# --- Guest posts


DRAFT = {
    "title": "Lighting a reading corner",
    "summary": "Three setups that our members love.",
    "body": "A reading corner wants warm light from behind the shoulder, never the front. " * 4,
}


async def _invitation(author) -> GuestPost:
    editor = await make_user("chief", role="manager")
    return await blog.invite(editor, author, topic="Lighting a reading corner",
                             brief="Three setups members love", message="Would you write it?",
                             due="2030-01-31")  # fmt: skip


@pytest.fixture
async def advocate(database):
    """A member of the Advocate tier: pitching is open to them, but not others' drafts."""
    user = await make_user("rival")
    await Standing.create(user_id=user.id, tier="advocate")
    assert await advocacy.is_advocate(user)
    return user


@pytest.mark.parametrize("viewer", ["advocate", "moderator"])
async def test_another_members_guest_post_draft_does_not_exist_for_anyone_else(
    client, member, advocate, moderator, viewer
):
    post = await _invitation(member)
    await blog.move(post, member, "accept")
    await blog.save_draft(post, member, **DRAFT)
    await login(client, advocate if viewer == "advocate" else moderator)
    for page in ("", "/edit", "/preview", "/correction"):
        assert_refused(await client.get(f"/guest-posts/{post.id}{page}"), 404)
    assert_refused(await client.get(f"/admin/guest-posts/{post.id}"), 403)
    changed = {"title": "Mine now", "summary": "", "body": "Overwritten"}
    assert_refused(await submit(client, f"/guest-posts/{post.id}/autosave", changed), 404)
    assert_refused(await submit(client, f"/guest-posts/{post.id}/act", {"action": "withdraw"}), 404)
    assert_refused(await submit(client, f"/guest-posts/{post.id}/comment", {"body": "Hi"}), 404)
    post = await GuestPost.get(id=post.id)
    assert (post.state, post.title) == ("drafting", DRAFT["title"])
    assert not await EditorialComment.exists(post_id=post.id)
    assert DRAFT["title"] not in (await client.get("/guest-posts")).text


async def test_an_invitation_is_only_its_invitees_to_read_and_accept(client, member, advocate):
    post = await _invitation(member)
    await login(client, advocate)
    assert_refused(await client.get(f"/guest-posts/{post.id}"), 404)
    assert_refused(await submit(client, f"/guest-posts/{post.id}/act", {"action": "accept"}), 404)
    assert (await GuestPost.get(id=post.id)).state == "invited"
    assert "Would you write it?" not in (await client.get("/guest-posts")).text


async def _published(author, editor, title: str, body: str) -> GuestPost:
    post = await blog.invite(editor, author, topic=title, brief="A brief for the post",
                             message="", due="2030-01-31")  # fmt: skip
    await blog.move(post, author, "accept")
    await blog.save_draft(post, author, title=title, summary="What readers will learn.", body=body)
    await blog.move(post, author, "submit")
    for action in ("review", "approve", "publish"):
        await blog.move(post, editor, action)
    return post


async def test_guest_posts_before_or_after_publication_are_not_on_the_blog_feeds_or_search(
    client, member, manager
):
    """Drafts, posts waiting for review or their time, and unpublished posts: their words
    appear nowhere public: not their titles on the blog or its feeds, not their text anywhere.
    (An unpublished post's discussion thread, with its title and summary, stays in the forum
    with the members' replies.)"""
    shown = await _published(member, manager, "Brass lamps explained",
                             "Brass patinates quickly; " * 20 + "zanzibarlamp")  # fmt: skip
    hidden: dict[str, GuestPost] = {}
    for state in ("drafting", "submitted", "approved", "scheduled", "unpublished"):
        word = f"secret{state}word"
        if state == "unpublished":
            post = await _published(member, manager, f"Copper lamps {state}", f"{word} " * 60)
            await blog.move(post, manager, "unpublish")
        else:
            post = await blog.invite(manager, member, topic=f"Topic {state}",
                                     brief="A brief for the post", message="",
                                     due="2030-01-31")  # fmt: skip
            await blog.move(post, member, "accept")
            await blog.save_draft(post, member, title=f"Copper lamps {state}",
                                  summary="What readers will learn.",
                                  body=f"{word} " * 60)  # fmt: skip
            moves = {"submitted": ["submit"], "approved": ["submit", "review", "approve"],
                     "scheduled": ["submit", "review", "approve", "schedule"]}  # fmt: skip
            for action in moves.get(state, []):
                actor = member if action == "submit" else manager
                later = datetime.now(UTC) + timedelta(days=3)
                await blog.move(post, actor, action, publish_at=later)
        hidden[word] = await GuestPost.get(id=post.id)
        assert hidden[word].state == state

    for viewer in ("guest", "member"):
        if viewer == "member":
            await login(client, await make_user("reader"))
        pages = {
            url: (await client.get(url)).text
            for url in ("/blog", "/feeds/blog.rss", "/feeds/blog.atom", "/feeds/latest.rss")
        }
        assert "Brass lamps explained" in pages["/blog"]  # the published one is there
        assert "Brass lamps explained" in pages["/feeds/blog.atom"]
        assert "zanzibarlamp" in (await client.get(f"/blog/{shown.slug}")).text
        for word, post in hidden.items():
            for url, text in pages.items():
                assert word not in text, (viewer, url, post.state)
                if "/blog" in url:
                    assert f"Copper lamps {post.state}" not in text, (viewer, url)
            found = hits((await client.get("/search", params={"q": word})).text)
            assert word not in found, post.state
            if post.slug:
                assert_refused(await client.get(f"/blog/{post.slug}"), 404)


# --- Notifications


async def test_a_member_cannot_read_or_mark_another_members_notifications(
    client, member, other_member
):
    thread = await make_thread(member, title="Descaling the kettle")
    await make_reply(thread, other_member, "Vinegar and a night's wait.")
    mine = await Notification.get(user_id=member.id, kind="reply")
    viewer = await make_user("nosy")
    await login(client, viewer)
    assert "Descaling the kettle" not in (await client.get("/notifications")).text
    response = await submit(client, "/notifications/read", {"notification": str(mine.id)})
    assert_refused(response, 404)
    assert (await Notification.get(id=mine.id)).read_at is None
    # Their "mark all read" is only ever theirs.
    await submit(client, "/notifications/read")
    assert (await Notification.get(id=mine.id)).read_at is None

    await login(client, member)
    assert "Descaling the kettle" in (await client.get("/notifications")).text
    response = await submit(client, "/notifications/read", {"notification": str(mine.id)})
    assert response.status_code == 303
    assert (await Notification.get(id=mine.id)).read_at is not None


# --- Staff notes


async def test_staff_notes_about_a_member_are_shown_to_staff_only(
    client, member, other_member, moderator
):
    await make_thread(member, title="Descaling the kettle")
    note = "Zephyrnote: argued with staff twice"
    await login(client, moderator)
    response = await submit(
        client, f"/mod/users/{member.username}/act", {"action": "note", "body": note}
    )
    assert response.status_code == 303
    assert note in (await client.get(f"/mod/users/{member.username}")).text

    for viewer in ("guest", "the member", "another member"):
        client.cookies.clear()
        if viewer != "guest":
            await login(client, member if viewer == "the member" else other_member)
        for url in ("/", f"/u/{member.username}", f"/feeds/u/{member.username}.rss",
                    f"/feeds/u/{member.username}.atom", "/feeds/latest.rss",
                    "/notifications"):  # fmt: skip
            assert "Zephyrnote" not in (await client.get(url)).text, (viewer, url)
        assert not hits((await client.get("/search?q=Zephyrnote")).text), viewer
        response = await client.get(f"/mod/users/{member.username}")
        if viewer == "guest":
            assert response.headers["location"].startswith("/login?next=")
        else:
            assert_refused(response, 403)


# --- E-mail addresses

HIDDEN_DOMAIN = "private-mail.example"


async def test_no_page_a_guest_or_member_can_see_shows_another_members_email_address(
    client, manager
):
    writer = await make_user("anahita")
    address = f"anahita.h@{HIDDEN_DOMAIN}"
    await User.filter(id=writer.id).update(email=address, email_key=address)
    await advocacy.adjust(writer, manager, "5000", "Great help")  # on the advocates board
    thread = await make_thread(writer, title="Descaling the kettle")
    await make_reply(thread, writer, "Vinegar and a night's wait, @anahita.")
    blog_post = await _published(writer, manager, "Brass lamps explained", "Brass " * 60)
    pages = [
        "/", "/latest", "/categories", "/c/general", thread.url, f"/feeds/t/{thread.id}.rss",
        f"/u/{writer.username}", f"/feeds/u/{writer.username}.rss",
        f"/feeds/u/{writer.username}.atom", "/feeds/latest.rss", "/feeds/latest.atom",
        "/search/similar?title=Descaling+the+kettle", "/advocates", "/badges", "/blog",
        f"/blog/{blog_post.slug}", "/feeds/blog.rss", "/tags",
    ]  # fmt: skip
    for viewer in ("guest", "member"):
        if viewer == "member":
            await login(client, await make_user("reader"))
        for url in pages:
            response = await client.get(url, follow_redirects=True)
            assert response.status_code == 200, url
            assert HIDDEN_DOMAIN not in response.text, (viewer, url)
        # Where the member is shown, so where the address could leak.
        assert 'href="/u/anahita"' in (await client.get("/advocates")).text
        found = hits((await client.get("/search?q=kettle")).text)
        assert 'class="search-hit"' in found and HIDDEN_DOMAIN not in found
        for words in (HIDDEN_DOMAIN, address, "anahita.h"):
            response = await client.get("/search", params={"q": words})
            assert 'class="search-hit"' not in response.text, words
