"""Recognition in a real browser: a member's answer is accepted, and their points and badge
appear on their profile and on the leaderboard."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import RUN, CategoryInfo, Pages, Server, log_in


def test_an_accepted_answer_shows_on_the_profile_and_the_leaderboard(
    pages: Pages, server: Server, support_category: CategoryInfo
) -> None:
    asker, answerer = server.create_user(f"ask{RUN}"), server.create_user(f"ans{RUN}")
    title = f"Which fuse does the dimmer take {RUN}"

    question = pages.new(1280)
    log_in(question, asker)
    question.goto(f"/t/new?category={support_category.id}")
    question.fill("#title", title)
    question.fill("#body", "The old one burnt out last night.")
    question.click("form button[type=submit]")
    question.wait_for_url(re.compile(r"/t/\d+/"))

    answer = pages.new(360)
    log_in(answer, answerer)
    answer.goto(question.url)
    answer.fill("#body", "A 2 A slow-blow fuse, the same as the charger's.")
    answer.get_by_role("button", name="Post reply").click()
    expect(answer.locator("#p2")).to_be_visible()

    question.reload()
    question.locator("#p2").get_by_role("button", name="Mark as solution").click()
    expect(question.locator("#p2")).to_contain_text("Accepted answer")

    answer.goto(f"/u/{answerer}")
    recognition = answer.locator(".recognition")
    expect(recognition).to_contain_text("17 points")  # a reply (2) and an accepted answer (15)
    expect(recognition).to_contain_text("First solution")
    expect(recognition).to_contain_text("1 accepted answer")

    answer.goto("/advocates?period=week")
    row = answer.locator("tr", has_text=answerer)
    expect(row).to_contain_text("17")
