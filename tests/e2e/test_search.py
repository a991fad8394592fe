"""Search in a real browser: typing a new thread's title shows a similar solved thread, and
the search box in the header (on a phone) finds it."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import RUN, CategoryInfo, Pages, Server, log_in


def test_typing_a_title_suggests_a_similar_solved_thread(
    pages: Pages, server: Server, support_category: CategoryInfo
) -> None:
    asker, helper, latecomer = (
        server.create_user(f"tst{RUN}"), server.create_user(f"hlp{RUN}"),
        server.create_user(f"ltc{RUN}"),
    )  # fmt: skip
    title = f"Toaster{RUN} sparks when the lever drops"

    question = pages.new(1280)
    log_in(question, asker)
    question.goto(f"/t/new?category={support_category.id}")
    question.fill("#title", title)
    question.fill("#body", "Blue sparks, then the fuse goes.")
    question.get_by_role("button", name="Post thread").click()
    question.wait_for_url(re.compile(r"/t/\d+/"))
    answer = pages.new(1280)
    log_in(answer, helper)
    answer.goto(question.url)
    answer.fill("#body", "The heating element is cracked: the shop replaces it for free.")
    answer.get_by_role("button", name="Post reply").click()
    expect(answer.locator("#p2")).to_be_visible()
    question.reload()
    question.locator("#p2").get_by_role("button", name="Mark as solution").click()
    expect(question.locator("#p2")).to_contain_text("Accepted answer")

    page = pages.new(360)
    log_in(page, latecomer)
    page.goto(f"/t/new?category={support_category.id}")
    page.locator("#title").press_sequentially(f"My toaster{RUN} sparks", delay=20)
    suggestion = page.locator("#similar-threads li", has_text=title)
    expect(suggestion).to_be_visible()
    expect(suggestion.locator(".solved")).to_have_text("Solved")

    page.fill("#site-search", f"toaster{RUN} element")
    page.locator("#site-search").press("Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    hit = page.locator(".search-hit", has_text=title)
    expect(hit.locator("mark").first).to_be_visible()
    expect(hit.locator(".snippet")).to_contain_text("heating element is cracked")
