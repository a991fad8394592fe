"""The whole guest-post loop in a real browser: the manager invites a helpful member from the
advocate finder; the member accepts, drafts and submits; the manager asks for changes with a
comment; the member revises and submits again; the manager approves and publishes; the post is
on /blog and in its feed, with its discussion thread, and the author has the badge."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import MANAGER, RUN, CategoryInfo, Pages, Server, log_in

BODY = (
    "Most reading lamps light the page from the front, which throws glare back at you. "
    "Put the light behind your shoulder, a little above head height, and aim it down. "
) * 3


def _accept_dialogs(page: Page) -> None:
    page.on("dialog", lambda dialog: dialog.accept())


def test_a_member_is_invited_writes_revises_and_is_published(
    pages: Pages, server: Server, support_category: CategoryInfo
) -> None:
    writer = server.create_user(f"writer{RUN}")
    topic = f"Lighting a reading corner {RUN}"

    # The writer helps someone, so the advocate finder lists them.
    manager = pages.new(1280)
    _accept_dialogs(manager)
    log_in(manager, MANAGER)
    manager.goto(f"/t/new?category={support_category.id}")
    manager.fill("#title", f"Which lamp for reading in bed {RUN}")
    manager.fill("#body", "Our new lamps come in three heights; which works best?")
    manager.click("form button[type=submit]")
    manager.wait_for_url(re.compile(r"/t/\d+/"))
    question = manager.url

    member = pages.new(360)
    _accept_dialogs(member)
    log_in(member, writer)
    member.goto(question)
    member.fill("#body", "The tall one, placed behind the headboard, never in front of you.")
    member.get_by_role("button", name="Post reply").click()
    expect(member.locator("#p2")).to_be_visible()

    manager.goto("/admin/advocates?period=30")
    manager.locator("tr", has_text=writer).get_by_role(
        "link", name="Invite to write a guest post"
    ).click()
    manager.fill("#topic", topic)
    manager.fill("#brief", "Three setups our members love, with photos if you have them.")
    manager.fill("#message", "Your answers on lamps are the best we have. Would you write this?")
    manager.fill("#due", "2099-01-31")
    manager.get_by_role("button", name="Send the invitation").click()
    expect(manager.locator("main")).to_contain_text("The invitation is sent")
    review = manager.url

    # The member accepts, drafts and submits.
    member.goto("/guest-posts")
    member.get_by_role("link", name=topic).click()
    member.get_by_role("button", name="Accept the invitation").click()
    expect(member.locator("main")).to_contain_text("You accepted the invitation")
    member.fill("#title", topic)
    member.fill("#summary", "Three setups that keep glare off the page.")
    member.fill("#body", BODY)
    member.get_by_role("button", name="Submit for review").click()
    expect(member.locator("main")).to_contain_text("an editor will review it", ignore_case=True)

    # The manager asks for changes, with a comment the member reads.
    manager.goto(review)
    manager.get_by_role("button", name="Start the review").click()
    manager.fill("#note-request_changes", "Please add the setup with a floor lamp.")
    manager.get_by_role("button", name="Request changes").click()
    expect(manager.locator("main")).to_contain_text("Changes requested")

    member.reload()
    expect(member.locator("main")).to_contain_text("Please add the setup with a floor lamp.")
    member.get_by_role("link", name="Edit the draft").click()
    member.fill("#body", BODY + "\n\nA floor lamp beside the armchair works as well.")
    member.get_by_role("button", name="Submit for review").click()
    expect(member.locator("main")).to_contain_text("an editor will review it", ignore_case=True)

    # The manager approves and publishes.
    manager.goto(review)
    manager.get_by_role("button", name="Start the review").click()
    manager.get_by_role("button", name="Approve").click()
    manager.get_by_role("button", name="Publish now").click()
    expect(manager.locator("main")).to_contain_text("Published")

    reader = pages.new(1280)
    reader.goto("/blog")
    reader.get_by_role("link", name=topic).first.click()
    expect(reader.locator("article")).to_contain_text("A floor lamp beside the armchair")
    expect(reader.locator("article")).to_contain_text(writer)
    reader.get_by_role("link", name=re.compile("Discuss this post in the forum")).click()
    expect(reader.locator("h1")).to_have_text(topic)

    feed = reader.request.get("/feeds/blog.rss")
    assert feed.ok and topic in feed.text()

    reader.goto(f"/u/{writer}")
    expect(reader.locator(".recognition")).to_contain_text("Guest author")
