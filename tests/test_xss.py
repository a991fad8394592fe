"""Hostile text typed by members never runs in anyone's browser, on any page that shows it.

The classic payloads, one test each, through every page of a feature; the full hostile corpus
goes through each place in tests/security/test_xss_corpus.py. Both use one checker,
tests.security.corpus.assert_inert."""

from html.parser import HTMLParser

import pytest

from forum.moderation import service as moderation
from forum.threads import service as threads
from tests.conftest import login, make_category, make_reply, make_thread, make_user, submit
from tests.security.corpus import assert_inert

PAYLOADS = [
    '<script>alert("x")</script>',
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(1)>",
    "javascript:alert(1)",
    "{{ 7*7 }}",
]


class _Elements(HTMLParser):
    """Every element of a page, as a browser's parser would see it (the feed tests read links
    with it)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.found.append((tag, {name: value or "" for name, value in attrs}))


@pytest.mark.parametrize("payload", PAYLOADS)
async def test_hostile_text_is_inert_everywhere_it_is_shown(client, database, payload):
    author = await make_user("mallory")
    await author.update_from_dict({"display_name": payload[:50], "bio": payload}).save()
    category = await make_category(name=f"Cat {payload}"[:60], description=payload)
    thread = await make_thread(author, category=category, title=f"Title {payload}"[:150],
                               body=f"Body {payload}")  # fmt: skip
    reply = await make_reply(thread, author, f"Reply {payload}")
    moderator = await make_user("mod", role="manager")
    await moderation.flag_post(await threads.get_post(reply.id), moderator, reason="other",
                               note=payload)  # fmt: skip
    await moderation.add_note(author, moderator, payload)
    await moderation.hide_post(await threads.get_post(reply.id), moderator, f"Hidden {payload}")
    pages = ["/", "/categories", category.url, thread.url, "/u/mallory"]
    for url in pages:
        assert_inert((await client.get(url)).text)
    await login(client, moderator)
    for url in [thread.url, "/mod/queue", "/mod/audit", "/mod/users/mallory", "/admin",
                f"/p/{reply.id}/revisions", f"/mod/threads/{thread.id}"]:  # fmt: skip
        response = await client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.text)


@pytest.mark.parametrize("payload", PAYLOADS)
async def test_hostile_text_is_inert_in_notifications_and_emails(client, database, payload):
    """Names, titles, bodies and moderators' reasons reach a member's notifications page and
    the HTML part of their e-mails; neither runs them."""
    from forum.mail.models import OutboxMessage
    from forum.notifications import service as notifications
    from forum.notifications.models import Notification

    victim = await make_user("victim")
    author = await make_user("mallory")
    await author.update_from_dict({"display_name": payload[:50]}).save()
    thread = await make_thread(victim, title=f"Title {payload}"[:150])
    reply = await make_reply(thread, author, f"Reply {payload} @victim")
    await threads.like(await threads.get_post(reply.id), victim)
    moderator = await make_user("mod", role="moderator")
    await moderation.hide_post(await threads.get_post(reply.id), moderator, f"Hidden {payload}")
    await login(client, victim)
    assert_inert((await client.get("/notifications")).text)
    await login(client, author)
    assert_inert((await client.get("/notifications")).text)
    await Notification.all().update(email_due_at=notifications.now())
    assert (await notifications.mail_due_notifications()).sent >= 1
    for message in await OutboxMessage.all():
        assert_inert(message.html)
        assert "\n" not in message.subject and "\r" not in message.subject


@pytest.mark.parametrize("payload", PAYLOADS)
async def test_hostile_text_is_inert_on_the_recognition_pages(client, database, payload):
    """A granted badge's name, description and reason, and a member's username, on /badges,
    the badge's own page (its social preview too) and the leaderboard."""
    from datetime import UTC, datetime

    from forum.accounts.models import User
    from forum.advocacy import service as advocacy
    from forum.advocacy.models import Badge

    mallory = await make_user("mallory")
    await User.filter(id=mallory.id).update(username=payload[:20])
    badge = await Badge.create(slug="x", name=payload[:60], description=payload, level="gold",
                               rule="")  # fmt: skip
    now = datetime.now(UTC)
    await advocacy.award(badge, mallory.id, "test:xss", now, reason=payload)
    await advocacy.book(mallory.id, 30, "adjustment", "test:xss", now)
    for url in ["/badges", "/badges/x", "/advocates", "/advocates?period=all"]:
        response = await client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.text)
        assert payload[:20] not in response.text or "<" not in payload, url


@pytest.mark.parametrize("payload", PAYLOADS)
async def test_hostile_recognition_text_is_inert_on_profiles_and_admin_pages(
    client, database, payload
):
    """A granted badge's name and reason and an adjustment's note, shown on the member's
    profile, their notifications and the manager's pages."""
    from forum.advocacy import service as advocacy
    from forum.advocacy.models import Badge

    manager = await make_user("chief", role="manager")
    member = await make_user("target")
    badge = await Badge.create(slug="hostile", name=payload[:60], description=payload,
                               level="gold", rule="")  # fmt: skip
    await advocacy.grant_badge(str(badge.id), "target", manager, f"For {payload}"[:300])
    await advocacy.adjust(member, manager, "15", f"Note {payload}"[:300])
    await make_thread(member, title=f"Title {payload}"[:150])
    await login(client, member)
    for url in ["/u/target", "/notifications", "/settings/recognition"]:
        assert_inert((await client.get(url)).text)
    await login(client, manager)
    for url in ["/admin/recognition", "/admin/advocates", "/mod/users/target", "/admin"]:
        response = await client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.text)


@pytest.mark.parametrize("payload", PAYLOADS)
async def test_hostile_guest_post_text_is_inert_for_editors_readers_and_feeds(
    client, database, payload
):
    """A guest post's title, summary, body and an editorial comment, on the editors' review
    page (the draft and a diff), the blog, the post's page and the parsed blog feed."""
    import feedparser

    from forum.blog import service as blog
    from forum.blog.models import GuestPost
    from tests.blog.test_editors import post_in

    manager = await make_user("chief", role="manager")
    author = await make_user("mallory")
    post = await post_in("in_review", author, title=f"Title {payload}"[:150],
                         summary=f"Summary {payload}",
                         body=f"Body {payload}\n\n" + "word " * 60)  # fmt: skip
    await blog._keep_version(post, "draft")
    await GuestPost.filter(id=post.id).update(body=f"Changed {payload}")
    post = await GuestPost.get(id=post.id)
    await blog._keep_version(post, "draft")
    await blog.comment(post, manager, f"Comment {payload}")
    await login(client, manager)
    for url in [f"/admin/guest-posts/{post.id}", f"/admin/guest-posts/{post.id}?a=1&b=2",
                "/admin/guest-posts"]:  # fmt: skip
        response = await client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.text)
    await blog.move(post, manager, "approve")
    await blog.move(post, manager, "publish")
    for url in ["/blog", f"/blog/{post.slug}"]:
        response = await client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.text)
    for kind in ("rss", "atom"):
        parsed = feedparser.parse((await client.get(f"/feeds/blog.{kind}")).content,
                                  sanitize_html=False)  # fmt: skip
        assert parsed.bozo == 0
        [entry] = parsed.entries
        assert entry.title == f"Title {payload}"[:150]
        assert_inert(entry.content[0].value if "content" in entry else entry.summary, fragment=True)


@pytest.mark.parametrize("payload", PAYLOADS)
async def test_hostile_guest_post_text_is_inert_on_the_authors_pages(client, database, payload):
    """An invitation's topic, brief and message, the draft's title, summary and body, and
    editorial comments, on the author's list, post, editor, preview and correction pages."""
    from forum.blog import service as blog
    from tests.conftest import submit

    editor = await make_user("chief", role="manager")
    await editor.update_from_dict({"display_name": payload[:50]}).save()
    author = await make_user("mallory")
    await author.update_from_dict({"display_name": payload[:50]}).save()
    post = await blog.invite(editor, author, topic=f"Topic {payload}"[:200],
                             brief=f"Brief {payload}", message=f"Message {payload}",
                             due="2099-01-31")  # fmt: skip
    await blog.move(post, author, "accept", note=f"Note {payload}")
    await blog.save_draft(post, author, title=f"Title {payload}"[:150],
                          summary=f"Summary {payload}"[:300],
                          body=f"Body {payload}\n\n" + "word " * 60)  # fmt: skip
    await blog.comment(post, editor, f"Comment {payload}")
    await blog.comment(post, author, f"Reply {payload}")
    await login(client, author)
    pages = ["/guest-posts", f"/guest-posts/{post.id}", f"/guest-posts/{post.id}/edit",
             f"/guest-posts/{post.id}/preview"]  # fmt: skip
    for url in pages:
        response = await client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.text)
    typed = {"title": payload, "summary": payload, "body": payload, "do": "submit"}
    refused = await submit(client, f"/guest-posts/{post.id}/edit", typed)
    assert refused.status_code == 400
    assert_inert(refused.text)
    await blog.move(post, author, "submit")
    for action in ("review", "approve", "publish"):
        await blog.move(post, editor, action)
    await blog.propose_correction(post, author, title=f"Fixed {payload}"[:150],
                                  summary=f"Summary {payload}"[:300],
                                  body=f"Body {payload}\n\n" + "word " * 60)  # fmt: skip
    for url in [f"/guest-posts/{post.id}", f"/guest-posts/{post.id}/correction"]:
        response = await client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.text)


@pytest.mark.parametrize("payload", PAYLOADS)
async def test_hostile_text_is_inert_in_search_results_snippets_and_suggestions(
    client, database, payload
):
    author = await make_user("mallory")
    await make_thread(author, title=f"Needle {payload}"[:150], body=f"Needle body {payload}")
    words = " ".join(w for w in payload.replace("<", " ").replace(">", " ").split() if w.isalnum())
    for query in ("needle", f"needle {words}", payload):
        assert_inert((await client.get("/search", params={"q": query})).text)
    assert_inert((await client.get("/search/similar", params={"title": f"needle {payload}"})).text)
    # The dashboard shows what people searched for: hostile queries included.
    manager = await make_user("boss", role="manager")
    await login(client, manager)
    assert_inert((await client.get("/admin")).text)


@pytest.mark.parametrize("payload", PAYLOADS)
async def test_hostile_poll_text_is_inert_in_the_poll_its_chart_forms_and_lists(
    client, database, payload
):
    from forum.polls import service as polls

    author = await make_user("mallory")
    voter = await make_user("victim")
    thread = await make_thread(author, title=f"Poll {payload}"[:150])
    poll = await polls.create_poll(
        thread, author, question=f"Q {payload}"[:200], options=f"A {payload}\nB {payload}"
    )
    option = (await polls.options_of(poll))[0]
    await polls.vote(poll, voter, [str(option.id)])
    await login(client, voter)
    page = (await client.get(thread.url)).text
    assert "<table" in page and "<svg viewBox" in page  # the results, with the payload
    assert_inert(page)
    refused = await submit(client, f"/polls/{poll.id}/vote", {"option": "nothing"})
    assert refused.status_code == 400
    assert_inert(refused.text)
    await login(client, author)
    kept = await submit(client, f"/t/{(await make_thread(author)).id}/poll",
                        {"question": payload, "options": payload})  # fmt: skip
    assert kept.status_code == 400
    assert_inert(kept.text)
    await polls.close(poll)
    manager = await make_user("boss", role="manager")
    await login(client, manager)
    for url in (thread.url, f"/t/{thread.id}/reply", "/admin", "/notifications"):
        response = await client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.text)
    client.cookies.clear()
    assert_inert((await client.get(thread.url)).text)


@pytest.mark.parametrize("payload", PAYLOADS)
async def test_hostile_bookmark_notes_are_inert_on_the_bookmarks_page(client, database, payload):
    """A bookmark's note is the member's own text, shown back on their bookmarks page and in
    the note form, with the bookmarked post's title and excerpt."""
    author = await make_user("mallory")
    thread = await make_thread(author, title=f"Saved {payload}"[:150], body=f"Body {payload}")
    post = (await thread.posts.all())[0]
    reader = await make_user("victim")
    await login(client, reader)
    response = await submit(client, f"/p/{post.id}/bookmark", {"note": payload[:200]})
    assert response.status_code == 303
    for url in ["/bookmarks", f"/p/{post.id}/bookmark", thread.url, "/new", "/unread"]:
        page = await client.get(url)
        assert page.status_code == 200, url
        assert_inert(page.text)
    refused = await submit(client, f"/p/{post.id}/bookmark", {"note": payload * 50})
    assert refused.status_code == 400
    assert_inert(refused.text)


@pytest.mark.parametrize("payload", PAYLOADS)
async def test_hostile_idea_status_notes_are_inert_on_threads_lists_and_notifications(
    client, database, payload
):
    """A staff note on an idea's status (with a hostile title) on the thread page, the lists,
    the audit log, the voters' notifications and their e-mails."""
    from forum.ideas import service as ideas
    from forum.mail.models import OutboxMessage
    from forum.notifications import service as notifications
    from forum.notifications.models import Notification

    author = await make_user("mallory")
    voter = await make_user("voter")
    category = await make_category(name="Ideas", slug="ideas", kind="ideas")
    thread = await make_thread(author, category=category, title=f"Idea {payload}"[:150])
    await ideas.vote(thread, voter)
    staff = await make_user("mod", role="moderator")
    await ideas.set_status(thread, staff, status="under_review", note=f"First {payload}")
    await ideas.set_status(thread, staff, status="declined", note=f"Because {payload}")
    urls = [thread.url, "/", category.url, f"{category.url}?sort=votes",
            f"{category.url}?status=declined"]  # fmt: skip
    for url in urls:
        response = await client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.text)
    await login(client, staff)
    for url in [thread.url, "/mod/audit"]:
        assert_inert((await client.get(url)).text)
    for user in (voter, author):
        await login(client, user)
        assert_inert((await client.get("/notifications")).text)
    await Notification.all().update(email_due_at=notifications.now())
    assert (await notifications.mail_due_notifications()).sent >= 1
    for message in await OutboxMessage.all():
        assert_inert(message.html)


@pytest.mark.parametrize("payload", PAYLOADS)
async def test_hostile_tag_names_and_descriptions_are_inert(client, database, payload):
    """A tag's name and description (typed by the manager) in chips on lists and the thread,
    the tag pages, the forms that offer tags, "For you" reasons, the admin pages and feeds."""
    import feedparser

    from forum.notifications import service as notifications
    from forum.threads import tags as tagging
    from tests.conftest import general

    manager = await make_user("chief", role="manager")
    author = await make_user("mallory")
    reader = await make_user("reader")
    tag = await tagging.create_tag(
        {"name": f"T {payload}"[:40], "slug": "hostile", "description": payload}
    )
    thread = await threads.start_thread(
        author, category_id=str((await general()).id), title=f"Title {payload}"[:150],
        body=f"Body {payload}", tags=["hostile"],
    )  # fmt: skip
    await notifications.set_tag_level(reader, tag.id, 2)
    opening = (await threads.thread_page(thread, 1))[0]
    for url in ["/", "/latest", "/top", "/tags", "/tag/hostile", thread.url]:
        response = await client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.text)
    await login(client, reader)
    for url in ["/", "/for-you", "/welcome", "/settings/interests", "/t/new"]:
        response = await client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.text)
    await login(client, author)
    assert_inert((await client.get(f"/p/{opening.id}/edit")).text)
    await login(client, manager)
    for url in ["/admin/tags", f"/admin/tags/{tag.id}/edit"]:
        response = await client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.text)
    for kind in ("rss", "atom"):
        parsed = feedparser.parse(
            (await client.get(f"/feeds/tag/hostile.{kind}")).content, sanitize_html=False
        )
        assert parsed.bozo == 0
        assert f"T {payload}"[:40] in parsed.feed.title
        [entry] = parsed.entries
        assert_inert(entry.content[0].value if "content" in entry else entry.summary, fragment=True)
