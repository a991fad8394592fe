"""Notifications in a real browser: a member replies, the thread's author sees the count in the
header change and follows the notification to the reply."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import RUN, CategoryInfo, Pages, Server, log_in


def test_a_reply_reaches_the_author_through_the_header_count(
    pages: Pages, server: Server, support_category: CategoryInfo
) -> None:
    asker, helper = server.create_user(f"asker{RUN}"), server.create_user(f"helper{RUN}")
    title = f"Lamp will not pair {RUN}"

    author = pages.new(360)  # the author reads on a phone
    log_in(author, asker)
    author.goto(f"/t/new?category={support_category.id}")
    author.fill("#title", title)
    author.fill("#body", "It blinks twice and gives up.")
    author.click("form button[type=submit]")
    author.wait_for_url(re.compile(r"/t/\d+/"))
    thread_url = author.url
    # A first post earns a badge, and its notification: it is read here so the count is 0.
    author.goto("/notifications")
    author.get_by_role("button", name="Mark all read").click()
    expect(author.locator(".notifications-link .count-badge")).to_have_count(0)

    replier = pages.new(1280)
    log_in(replier, helper)
    replier.goto(thread_url)
    replier.fill("#body", "Hold the button for ten seconds, then pair again.")
    replier.get_by_role("button", name="Post reply").click()
    expect(replier.locator("main")).to_contain_text("Hold the button for ten seconds")

    author.goto("/")
    badge = author.locator(".notifications-link .count-badge")
    expect(badge).to_have_text("1")
    author.locator(".notifications-link").click()
    entry = author.locator(".notification.unread", has_text=f"{helper} replied in “{title}”")
    expect(entry).to_be_visible()
    entry.get_by_role("link", name=re.compile("replied in")).click()
    author.wait_for_url(re.compile(r"/t/\d+/.*#p2$"))
    expect(author.locator("#p2")).to_contain_text("Hold the button for ten seconds")
    expect(author.locator(".notifications-link .count-badge")).to_have_count(0)
