"""Moderation in a real browser: a held first post approved from the queue, a flag resolved
by hiding the post, and a suspended member told why they cannot sign in."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import (
    MANAGER,
    RUN,
    CategoryInfo,
    Pages,
    Server,
    log_in,
    set_held_posts,
)


def _start_thread(page, category: CategoryInfo, title: str, body: str) -> None:
    page.goto(f"/t/new?category={category.id}")
    page.fill("#title", title)
    page.fill("#body", body)
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r"/t/\d+/"))


def test_a_new_members_first_post_waits_in_the_queue_and_is_approved(
    pages: Pages, server: Server, support_category: CategoryInfo
) -> None:
    newcomer = f"newbie{RUN}"
    server.create_user(newcomer)
    staff = pages.new(1280)
    log_in(staff, MANAGER)
    set_held_posts(staff, 1)
    try:
        member = pages.new(360)
        log_in(member, newcomer)
        title = f"First question from {newcomer}"
        _start_thread(member, support_category, title, "Does the charger work abroad?")
        expect(member.locator("main")).to_contain_text("awaiting approval")

        guest = pages.new(1280)
        guest.goto(support_category.url)
        expect(guest.locator("main")).not_to_contain_text(title)

        staff.goto("/mod/queue")
        item = staff.locator(".queue-item", has_text=title)
        expect(item).to_contain_text("Held for approval")
        item.get_by_role("button", name="Approve").click()
        staff.wait_for_url("**/mod/queue")
        expect(staff.locator("main")).not_to_contain_text(title)

        guest.goto(support_category.url)
        expect(guest.locator("main")).to_contain_text(title)
    finally:
        set_held_posts(staff, 0)


def test_a_member_flags_a_post_and_a_moderator_hides_it_from_the_queue(
    pages: Pages, server: Server, support_category: CategoryInfo
) -> None:
    author, flagger = f"seller{RUN}", f"watcher{RUN}"
    server.create_user(author)
    server.create_user(flagger)
    writer = pages.new(1280)
    log_in(writer, author)
    title = f"Cheap chargers here {RUN}"
    _start_thread(writer, support_category, title, "Buy them on my site, best prices!")
    thread_url = writer.url

    reader = pages.new(360)
    log_in(reader, flagger)
    reader.goto(thread_url)
    reader.locator("#p1").get_by_role("link", name="Flag").click()
    reader.get_by_label("Spam").check()
    reader.get_by_role("button", name="Send flag").click()
    expect(reader.locator("main")).to_contain_text("The moderators will look")

    staff = pages.new(1280)
    log_in(staff, MANAGER)
    expect(
        staff.get_by_role("link", name=re.compile("^Review")).locator(".count-badge")
    ).to_be_visible()
    staff.goto("/mod/queue")
    item = staff.locator(".queue-item", has_text=title)
    expect(item).to_contain_text("Spam")
    item.get_by_role("link", name="Hide…").click()
    staff.fill("#reason", "Advertising is not allowed here")
    staff.get_by_role("button", name="Hide this post").click()
    staff.wait_for_url(re.compile(r"/t/\d+/"))

    reader.goto(thread_url)
    expect(reader.locator("#p1")).to_contain_text("hidden while the moderators review it")
    writer.goto(thread_url)
    expect(writer.locator("#p1")).to_contain_text("Advertising is not allowed here")

    staff.goto("/mod/audit")
    expect(staff.locator("table")).to_contain_text("hid a post")


def test_a_suspended_member_cannot_log_in_and_sees_why(
    pages: Pages, server: Server, support_category: CategoryInfo
) -> None:
    """(support_category is asked for because it makes the manager this test signs in as.)"""
    troublemaker = f"trouble{RUN}"
    server.create_user(troublemaker)
    staff = pages.new(1280)
    log_in(staff, MANAGER)
    staff.goto(f"/mod/users/{troublemaker}")
    staff.fill("#reason", "Repeated insults")
    staff.fill("#days", "7")
    staff.get_by_role("button", name="Suspend").click()
    expect(staff.locator("main")).to_contain_text("Suspended")

    member = pages.new(360)
    pages.allow(r"status of 400")  # the refused sign-in answers 400, as a form with errors does
    member.goto("/login")
    member.fill("#login", troublemaker)
    member.fill("#password", "correct horse battery staple")
    member.click("form button[type=submit]")
    expect(member.locator("#login-error")).to_contain_text("suspended until")
    expect(member.locator("#login-error")).to_contain_text("Repeated insults")
