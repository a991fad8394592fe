"""Polls in a real browser: a member starts a thread with a poll, another votes on a phone and
sees the results as a chart and a table, then changes their vote."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, RUN, CategoryInfo, Pages, Server, log_in


def test_a_member_votes_and_sees_the_result(
    pages: Pages, server: Server, support_category: CategoryInfo
) -> None:
    asker, voter = server.create_user(f"pollster{RUN}"), server.create_user(f"voter{RUN}")
    question = f"Which colour should the next lamp be? {RUN}"

    author = pages.new(1280)
    log_in(author, asker)
    author.goto(f"/t/new?category={support_category.id}")
    author.fill("#title", f"Next lamp colour {RUN}")
    author.fill("#body", "Tell us which colour you would buy.")
    author.check("#add_poll")
    author.get_by_role("button", name="Post thread").click()
    author.wait_for_url(re.compile(r"/t/\d+/poll$"))
    author.fill("#question", question)
    author.fill("#options", "Red\nGreen\nBlue")
    author.get_by_role("button", name="Add the poll").click()
    author.wait_for_url(re.compile(r"/t/\d+/[\w-]+#poll$"))
    thread_url = author.url.split("#")[0]
    poll = author.locator("#poll")
    expect(poll).to_contain_text(question)
    expect(poll).to_contain_text("0 voters")

    phone = pages.new(360)
    log_in(phone, voter)
    phone.goto(thread_url)
    poll = phone.locator("#poll")
    # Before voting: the choices, no results.
    expect(poll.locator("table")).to_have_count(0)
    poll.get_by_label("Green").check()
    poll.get_by_role("button", name="Vote").click()
    phone.wait_for_url(re.compile(r"#poll$"))
    poll = phone.locator("#poll")
    expect(poll.locator("svg[role=img]")).to_be_visible()
    green = poll.locator("table tr", has_text="Green")
    expect(green).to_contain_text("Your choice")
    expect(green.locator("td")).to_have_text(["1", "100%"])
    expect(poll).to_contain_text("1 voter")
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "poll-results-phone.png"), full_page=True)

    # Changed minds are welcome until the poll closes.
    poll.get_by_text("Change your vote").click()
    poll.get_by_label("Blue").check()
    poll.get_by_role("button", name="Change my vote").click()
    phone.wait_for_url(re.compile(r"#poll$"))
    poll = phone.locator("#poll")
    expect(poll.locator("table tr", has_text="Blue").locator("td")).to_have_text(["1", "100%"])
    expect(poll.locator("table tr", has_text="Green").locator("td")).to_have_text(["0", "0%"])
    expect(poll).to_contain_text("1 voter")
