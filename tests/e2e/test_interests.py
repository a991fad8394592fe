"""Tags and interests in a real browser, on a phone-sized and a desktop-sized screen: the
manager adds a tag, a member tags a question with it, and a newcomer who chooses that tag at
the welcome step finds the question on their home page under "For you", with the reason."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    ARTIFACTS,
    MANAGER,
    RUN,
    CategoryInfo,
    Pages,
    Server,
    log_in,
)
from tests.e2e.test_journey import assert_no_horizontal_scroll

WIDTHS = [360, 1280]


@pytest.mark.parametrize("width", WIDTHS)
def test_a_newcomer_follows_a_tag_at_the_welcome_step_and_finds_its_threads_for_them(
    width: int, pages: Pages, server: Server, support_category: CategoryInfo
) -> None:
    tag_name, tag_slug = f"Kettles {width}{RUN}", f"kettles-{width}-{RUN}"
    title = f"The kettle whistles at {width} px"

    # The manager adds the tag to the curated list.
    manager = pages.new(width)
    log_in(manager, MANAGER)
    manager.goto("/admin/tags")
    manager.fill("#name", tag_name)
    manager.fill("#slug", tag_slug)
    manager.fill("#description", "Everything about kettles")
    manager.get_by_role("button", name="Add tag").click()
    expect(manager.locator(f"a[href='/tag/{tag_slug}']")).to_have_text(tag_name)

    # A member asks a question and ticks the tag.
    asker = pages.new(width)
    log_in(asker, server.create_user(f"asker{width}{RUN}"))
    asker.goto(f"/t/new?category={support_category.id}")
    asker.fill("#title", title)
    asker.fill("#body", "It whistles before the water boils. Is that normal?")
    asker.check(f"#tag-{tag_slug}")
    asker.get_by_role("button", name="Post thread").click()
    asker.wait_for_url(re.compile(r"/t/\d+/"))
    chip = asker.locator(".thread-head .tag-chip")
    expect(chip).to_have_text(tag_name)

    # A newcomer on the welcome step (where sign-up lands them: tests/interests cover the
    # redirect; signing up here too would spend the network's hourly sign-up allowance, which
    # test_journey needs) chooses the tag.
    newcomer = pages.new(width)
    log_in(newcomer, server.create_user(f"new{width}{RUN}"))
    newcomer.goto("/welcome")
    expect(newcomer.locator("h2")).to_have_text("What do you care about?")
    assert_no_horizontal_scroll(newcomer)
    newcomer.check(f"#tag-{tag_slug}")
    newcomer.get_by_role("button", name="Save and continue").click()

    # Home is now "For you": the question, and why it is there.
    newcomer.wait_for_url(re.compile(r"/$"))
    expect(newcomer.locator(".list-tabs a[aria-current]")).to_have_text("For you")
    row = newcomer.locator(".thread-row", has=newcomer.get_by_role("link", name=title))
    expect(row.locator(".why")).to_have_text(f"Tagged {tag_name}, a tag you follow")
    assert_no_horizontal_scroll(newcomer)
    ARTIFACTS.mkdir(exist_ok=True)
    newcomer.screenshot(path=str(ARTIFACTS / f"for-you-{width}.png"), full_page=True)

    # The chip leads to the tag's page, which lists the question too.
    row.locator(".tag-chip").click()
    expect(newcomer).to_have_url(re.compile(f"/tag/{tag_slug}$"))
    expect(newcomer.get_by_role("link", name=title)).to_be_visible()
    newcomer.goto("/settings/interests")
    expect(newcomer.locator(f"#tag-{tag_slug}")).to_be_checked()
