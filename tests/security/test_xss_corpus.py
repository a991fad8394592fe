"""The whole hostile corpus through each place user text is shown, one test per place: every
page (and every later page of a list) that shows it is parsed and must be inert."""

from __future__ import annotations

import html
import re
from itertools import zip_longest
from xml.etree import ElementTree

import feedparser
import httpx

from forum import pagecache
from forum.accounts import service as accounts
from forum.accounts.models import User
from forum.site import models as site
from forum.threads import service as threads
from tests.conftest import general, login, make_category, make_reply, make_thread, make_user, submit
from tests.security.corpus import CORPUS, ONE_LINE, assert_inert, fitting, shown_as_text

_NEXT = re.compile(r'<a [^>]*href="([^"]+)"[^>]*rel="next"|<link rel="next" href="([^"]+)"')


async def assert_pages_inert(client: httpx.AsyncClient, url: str, limit: int = 20) -> str:
    """GET the page and each later one its rel="next" link leads to: each answers 200 and is
    inert. Returns every page's HTML, joined."""
    seen: list[str] = []
    while url and len(seen) < limit:
        response = await client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.text, where=url)
        seen.append(response.text)
        found = _NEXT.search(response.text)
        url = html.unescape(found.group(1) or found.group(2)) if found else ""
    return "\n".join(seen)


async def assert_inert_at(client: httpx.AsyncClient, *urls: str) -> None:
    for url in urls:
        response = await client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.text, where=url)


def assert_feed_inert(document: bytes, where: str) -> list[str]:
    """A feed parsed as a reader would: the HTML of each entry (RSS description, Atom content)
    is inert. Returns the entries' titles as the XML carries them: plain text (RSS titles are
    text by the RSS Board's profile, Atom's say type="text"), to compare with what was typed."""
    parsed = feedparser.parse(document, sanitize_html=False)
    assert parsed.bozo == 0, (where, parsed.get("bozo_exception"))
    for entry in parsed.entries:
        for detail in [entry.get("summary_detail"), *entry.get("content", [])]:
            if detail and "html" in detail.type:
                assert_inert(detail.value, fragment=True, where=f"{where}: {entry.link}")
    root = ElementTree.fromstring(document)
    if root.tag == "rss":
        return [item.findtext("title", "") for item in root.iter("item")]
    titles = root.findall(f"{_ATOM}entry/{_ATOM}title")
    assert all(title.get("type") == "text" for title in titles), where
    return [title.text or "" for title in titles]


_ATOM = "{http://www.w3.org/2005/Atom}"


async def test_the_corpus_in_thread_titles_and_post_bodies_is_inert(client, database):
    author = await make_user("mallory")
    category = await make_category(name="Hostile")
    made = []
    for number, text in enumerate(ONE_LINE):
        made.append(await threads.start_thread(
            author, category_id=str(category.id), title=f"{number} {text}"[:150], body=text,
        ))  # fmt: skip
    everything = await make_thread(author, category=category, title="Everything at once",
                                   body="\n\n".join(CORPUS))  # fmt: skip
    for text in CORPUS:
        await threads.reply(everything, author, f"Reply: {text}")
    await pagecache.bump()
    for thread in made:
        page = await client.get(f"/t/{thread.id}/{thread.slug}")
        assert page.status_code == 200
        assert_inert(page.text, where=thread.title)
        assert shown_as_text(page.text, thread.title)
    await assert_pages_inert(client, everything.url)
    listed = await assert_pages_inert(client, "/latest")
    assert shown_as_text(listed, made[-1].title)
    await assert_pages_inert(client, category.url)
    await assert_inert_at(client, "/", "/top", "/categories")
    await login(client, author)
    await assert_inert_at(client, f"/p/{(await threads.thread_page(everything, 1))[0].id}/edit",
                          f"/t/{everything.id}/reply", "/new", "/unread")  # fmt: skip


async def test_the_corpus_in_usernames_and_display_names_is_inert(client, database):
    """Names are shown beside every post, in lists, on the leaderboard and in notifications.
    Sign-up refuses such usernames; these are written straight to the database, as an import
    or an older rule might have left them."""
    victim = await make_user("victim")
    thread = await make_thread(victim, title="Which kettle should I buy?")
    for number, text in enumerate(fitting(50)):
        member = await make_user(f"name{number}")
        await User.filter(id=member.id).update(username=text[:20], display_name=text)
        member = await User.get(id=member.id)
        post = await make_reply(thread, member, f"The red one ({number}), @victim")
        await threads.like(await threads.get_post(post.id), victim)
    await pagecache.bump()
    await assert_pages_inert(client, thread.url)
    await assert_inert_at(client, "/", "/latest", "/advocates", "/advocates?period=all")
    await login(client, victim)
    await assert_pages_inert(client, "/notifications")
    staff = await make_user("chief", role="manager")
    await login(client, staff)
    await assert_inert_at(client, thread.url, "/admin", "/admin/advocates?period=30")


async def test_the_corpus_in_a_sign_up_address_is_inert_on_the_answer(
    client, database, monkeypatch
):
    """The sign-up answer repeats the address typed, whether the form took it or not."""
    monkeypatch.setattr(accounts, "REGISTRATIONS_PER_CLIENT", len(ONE_LINE) + 1)
    for number, text in enumerate(ONE_LINE):
        address = "".join(text.split())[:200] + "@example.com"
        response = await submit(
            client, "/register", {"username": f"signup{number}", "email": address,
                                  "password": "long enough secret"},
        )  # fmt: skip
        assert response.status_code in (200, 400), address
        assert_inert(response.text, where=address)
        assert shown_as_text(response.text, address), address


async def test_the_corpus_in_profiles_bio_website_and_display_name_is_inert(client, database):
    """Each member's profile page, with what they typed in their profile settings; a website
    the form refuses comes back in the form, as typed, and is inert there too."""
    websites = [
        "https://x.example/'onmouseover='alert(1)'",
        "https://x.example/#javascript:alert(1)",
        "https://x.example/&quot;onmouseover=alert(1)",
        "https://x.example/?q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E",
    ]
    members = []
    for number, text in enumerate(CORPUS):
        member = await make_user(f"bio{number}")
        await accounts.update_profile(member, display_name=text[:50], bio=text,
                                      website=websites[number % len(websites)])  # fmt: skip
        members.append(member)
    await pagecache.bump()
    for member in members:
        page = await client.get(f"/u/{member.username}")
        assert page.status_code == 200
        assert_inert(page.text, where=member.bio)
    await login(client, members[0])
    await assert_inert_at(client, "/settings/profile")
    for text in ONE_LINE:
        typed = {"display_name": text * 3, "bio": text, "website": text}
        refused = await submit(client, "/settings/profile", typed)
        assert refused.status_code == 400
        assert_inert(refused.text, where=text)


async def test_the_corpus_in_category_names_and_descriptions_is_inert(client, database):
    manager = await make_user("chief", role="manager")
    categories = [
        await make_category(name=f"C{number} {text}"[:60], description=text)
        for number, text in enumerate(CORPUS)
    ]
    author = await make_user("mallory")
    for category in categories[:: len(categories) // 4]:
        await make_thread(author, category=category)
    await pagecache.bump()
    for category in categories:
        page = await client.get(category.url)
        assert page.status_code == 200
        assert_inert(page.text, where=category.name)
        assert shown_as_text(page.text, category.name)
    await assert_inert_at(client, "/categories", "/", "/latest")
    await login(client, manager)
    await assert_inert_at(client, "/admin/categories", "/t/new", "/mod/queue", "/search",
                          f"/admin/categories/{categories[0].id}/edit",
                          "/admin/advocates")  # fmt: skip


async def test_the_corpus_in_badge_names_and_reasons_from_the_badge_admin_is_inert(
    client, database
):
    """The manager creates badges and grants them with reasons through /admin/recognition;
    the badges' pages, the member's profile and notifications, and the admin page show them."""
    from forum.advocacy.models import Badge

    manager = await make_user("chief", role="manager")
    member = await make_user("target")
    await login(client, manager)
    for number, text in enumerate(ONE_LINE):
        made = await submit(client, "/admin/recognition", {
            "form": "badge", "name": f"B{number} {text}"[:60], "description": text,
            "level": "gold"})  # fmt: skip
        assert made.status_code == 303, text
    badges = await Badge.filter(rule="").order_by("id")
    assert len(badges) == len(ONE_LINE)
    for badge, text in zip(badges, ONE_LINE, strict=True):
        granted = await submit(client, "/admin/recognition", {
            "form": "grant", "badge": str(badge.id), "username": "target",
            "reason": f"For {text}"[:300]})  # fmt: skip
        assert granted.status_code == 303, text
    refused = await submit(client, "/admin/recognition",
                           {"form": "badge", "name": ONE_LINE[0] * 5, "level": "gold"})  # fmt: skip
    assert refused.status_code == 400
    assert_inert(refused.text)
    await pagecache.bump()
    await assert_inert_at(client, "/admin/recognition", f"/mod/users/{member.username}")
    client.cookies.clear()
    await assert_inert_at(client, "/badges", "/u/target", "/advocates")
    for badge in badges:
        page = await client.get(f"/badges/{badge.slug}")
        assert page.status_code == 200
        assert_inert(page.text, where=badge.name)
    await login(client, member)
    await assert_pages_inert(client, "/notifications")
    await assert_inert_at(client, "/settings/recognition")


async def test_the_corpus_in_poll_questions_and_options_is_inert(client, database):
    from forum.polls import service as polls

    author = await make_user("mallory")
    voter = await make_user("victim")
    chunks = [ONE_LINE[start : start + 20] for start in range(0, len(ONE_LINE), 20)]
    made = []
    for number, chunk in enumerate(chunks):
        thread = await make_thread(author, title=f"Poll number {number}")
        options = "\n".join(f"{n} {text}"[:200] for n, text in enumerate(chunk))
        poll = await polls.create_poll(thread, author, question=chunk[0][:200], options=options,
                                       multiple=True)  # fmt: skip
        options = await polls.options_of(poll)
        assert len(options) == len(chunk)
        await polls.vote(poll, voter, [str(option.id) for option in options[::2]])
        made.append((thread, poll))
    await pagecache.bump()
    for thread, _poll in made:
        await assert_inert_at(client, thread.url)  # a guest sees the question and options
    await login(client, voter)
    for thread, _poll in made:
        page = await client.get(thread.url)
        assert "<svg viewBox" in page.text  # the results chart, with every option
        assert_inert(page.text)
    await login(client, author)
    kept = await submit(client, f"/t/{(await make_thread(author)).id}/poll",
                        {"question": "x", "options": "\n".join(ONE_LINE)})  # fmt: skip
    assert kept.status_code == 400
    assert_inert(kept.text)
    for _thread, poll in made:
        await polls.close(poll)
    await pagecache.bump()
    await assert_pages_inert(client, "/notifications")
    await assert_inert_at(client, *(thread.url for thread, _ in made))


async def test_the_corpus_in_guest_post_titles_and_bodies_is_inert_on_the_blog(client, database):
    """Published guest posts: the blog's list pages, each post's page, the blog feed as a
    reader parses it, and the editors' and the author's lists."""
    from tests.blog.test_editors import published

    manager = await make_user("chief", role="manager")
    author = await make_user("mallory")
    body = "\n\n".join(CORPUS)
    posts = [
        await published(manager, author, title=f"{number} {text}"[:150], body=f"{text}\n\n{body}")
        for number, text in enumerate(ONE_LINE)
    ]
    await pagecache.bump()
    listed = await assert_pages_inert(client, "/blog")
    for post in posts:
        assert shown_as_text(listed, post.title)
        page = await client.get(f"/blog/{post.slug}")
        assert page.status_code == 200
        assert_inert(page.text, where=post.title)
    for kind in ("rss", "atom"):
        titles = assert_feed_inert((await client.get(f"/feeds/blog.{kind}")).content, kind)
        assert titles and set(titles) <= {post.title for post in posts}
    await login(client, manager)
    await assert_inert_at(client, "/admin/guest-posts", f"/admin/guest-posts/{posts[0].id}")
    await login(client, author)
    await assert_inert_at(client, "/guest-posts", f"/guest-posts/{posts[0].id}")


async def test_the_corpus_in_search_results_snippets_and_queries_is_inert(client, database):
    author = await make_user("mallory")
    for number, text in enumerate(ONE_LINE):
        await threads.start_thread(author, category_id=str((await general()).id),
                                   title=f"Needle {number} {text}"[:150],
                                   body=f"Needle body {text} haystack")  # fmt: skip
    await pagecache.bump()
    found = await assert_pages_inert(client, "/search?q=needle")
    assert found.count("<mark>") >= len(ONE_LINE)
    await assert_pages_inert(client, "/search?q=haystack")
    for text in ONE_LINE:
        response = await client.get("/search", params={"q": f"needle {text}"})
        assert response.status_code in (200, 400)
        assert_inert(response.text, where=text)
        similar = await client.get("/search/similar", params={"title": f"needle {text}"})
        assert_inert(similar.text, fragment=False, where=text)
    manager = await make_user("boss", role="manager")
    await login(client, manager)
    await assert_inert_at(client, "/admin")  # the top searches, hostile queries among them


async def test_the_corpus_in_notifications_and_their_emails_is_inert(
    client, database, smtp_server, monkeypatch
):
    """Reply, mention, like and moderation notifications, whose actor names, thread titles,
    excerpts and reasons are hostile: the notifications pages, and each e-mail as received
    over SMTP (its HTML part parsed, its headers one line each, its one recipient)."""
    from forum.moderation import service as moderation
    from forum.notifications import service as notifications
    from forum.notifications.models import Notification

    monkeypatch.setitem(site.DEFAULTS, "email_daily_cap", "1000")
    victim = await make_user("victim")
    moderator = await make_user("mod", role="moderator")
    hidden = await make_user("hidden")  # whose posts staff hide, giving hostile reasons
    # Two payloads a notification (in the title and the excerpt, one in the actor's name):
    # the whole corpus in half the messages.
    pairs = list(zip_longest(ONE_LINE[::2], ONE_LINE[1::2], fillvalue=""))
    for number, (first, second) in enumerate(pairs):
        thread = await make_thread(victim, title=f"{number} {first} {second}"[:150])
        actor = await make_user(f"actor{number}", display_name=(second or first)[:50])
        await make_reply(thread, actor, f"@victim {first} {second}")
        if number % 4 == 0:
            await threads.like((await threads.thread_page(thread, 1))[0], actor)
            post = await make_reply(thread, hidden, f"Off topic {first}")
            await moderation.hide_post(post, moderator, f"Hidden: {first} {second}")
    for user in (victim, hidden):
        await login(client, user)
        await assert_pages_inert(client, "/notifications")
    await Notification.all().update(email_due_at=notifications.now())
    assert (await notifications.mail_due_notifications(limit=1000)).sent >= len(pairs)
    while await smtp_server.deliver():
        pass
    assert len(smtp_server.received) >= len(pairs)
    addresses = {f"{user.username}@example.com" for user in await User.all()}
    for delivery in smtp_server.received:
        message = delivery.message
        assert len(delivery.recipients) == 1 and delivery.recipients[0] in addresses
        assert message["To"].addresses[0].addr_spec == delivery.recipients[0]
        assert not {"bcc", "cc", "reply-to"} & {name.lower() for name in message.keys()}
        for name, value in message.items():
            assert "\n" not in str(value) and "\r" not in str(value), (name, value)
        html_part = message.get_body(("html",))
        assert html_part is not None
        assert_inert(html_part.get_content(), where=str(message["Subject"]))


async def test_the_corpus_in_every_feed_is_inert_as_readers_parse_it(client, database):
    """Latest, category, tag, thread and member feeds, RSS and Atom: each entry's title is
    plain text (the typed title, exactly) and its HTML content inert."""
    from forum.threads import tags as tagging

    author = await make_user("mallory")
    await User.filter(id=author.id).update(display_name="<script>alert(1)</script>")
    category = await make_category(name="<svg onload=alert(1)>", slug="hostile",
                                   description=CORPUS[0])  # fmt: skip
    await tagging.create_tag({"name": "<b onclick=x>t</b>", "slug": "hostile",
                              "description": CORPUS[1]})  # fmt: skip
    titles = fitting(150, "Feed ")
    for text, title in zip(ONE_LINE, titles, strict=True):
        await threads.start_thread(author, category_id=str(category.id), title=title,
                                   body=f"{text}\n\n{CORPUS[-1]}", tags=["hostile"])  # fmt: skip
    thread = await make_thread(author, category=category, title="Every reply",
                               body="\n\n".join(CORPUS))  # fmt: skip
    for text in CORPUS[:30]:
        await threads.reply(thread, author, text)
    await pagecache.bump()
    for path in ("/feeds/latest", "/feeds/c/hostile", "/feeds/tag/hostile",
                 f"/feeds/t/{thread.id}", "/feeds/u/mallory"):  # fmt: skip
        for kind in ("rss", "atom"):
            response = await client.get(f"{path}.{kind}")
            assert response.status_code == 200, path
            shown = assert_feed_inert(response.content, f"{path}.{kind}")
            assert shown, path
            if path in ("/feeds/c/hostile", "/feeds/tag/hostile"):
                assert set(shown) <= {*titles, "Every reply"}, path


def test_the_checker_catches_each_payload_left_unescaped_or_evaluated():
    """The checker is not vacuous: each payload put on a page unescaped (in text or in an
    attribute's value), rendered by markdown without the sanitiser, or evaluated as a
    template, is caught; except the few only another parser's rules make dangerous."""
    import jinja2
    import markdown

    from tests.security.corpus import problems

    def evaluated(raw: str) -> str:
        try:
            return jinja2.Template(raw).render()
        except jinja2.TemplateError:
            return ""

    missed = []
    for raw in CORPUS:
        pages = [f"<body><p>{raw}</p>", f'<body><p title="{raw}">x</p>',
                 f"<body><p title='{raw}'>x</p>", "<body>" + markdown.markdown(raw),
                 "<body>" + evaluated(raw)]  # fmt: skip
        if not any(problems(page) for page in pages) and raw not in _CAUGHT_ONLY_IN_CONTEXT:
            missed.append(raw)
    assert not missed


# Unescaped, these are still harmless to an HTML parser: their danger is to a parser with other
# rules (noscript's raw text with scripting on, CDATA in foreign content, old browsers'
# backticks), to another template or markdown flavour (CommonMark autolinks any scheme), or to
# code that decodes them first.
_CAUGHT_ONLY_IN_CONTEXT = {
    "<javascript:alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<![CDATA[<script>alert(1)</script>]]>",
    "＜script＞alert(1)＜/script＞",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "` onmouseover=alert(1) x=`",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "${111111*111111}",
    "#{111111*111111}",
    "<%= 111111*111111 %>",
}
