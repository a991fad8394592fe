"""The main journey in a real browser, on a phone-sized and a desktop-sized screen: a guest
looks around and signs up, asks a question in a support category, another member answers, and
the asker marks that answer as the solution."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS, PASSWORD, RUN, CategoryInfo, Pages, Server, log_in

WIDTHS = [360, 1280]


def register(page: Page, server: Server, username: str) -> None:
    """Sign up through the header's link, as a visitor would, and open the link mailed to
    them; the welcome step is skipped."""
    page.click(".user-nav a[href='/register']")
    expect(page).to_have_url(re.compile(r"/register$"))
    page.fill("#username", username)
    page.fill("#email", f"{username}@example.com")
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit]")
    expect(page.locator("h1")).to_have_text("Check your inbox")
    page.goto(server.mailed_link(f"{username}@example.com", "/verify/"))
    expect(page).to_have_url(re.compile(r"/welcome"))
    expect(page.locator(".user-nav .me > span:not(.avatar)")).to_have_text(username)


def assert_no_horizontal_scroll(page: Page) -> None:
    sizes = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert sizes[0] <= sizes[1], f"the page scrolls sideways: {sizes[0]} px wide in {sizes[1]}"


@pytest.mark.parametrize("width", WIDTHS)
def test_question_answered_and_marked_solved(
    width: int, pages: Pages, server: Server, support_category: CategoryInfo
) -> None:
    asker, helper = f"ana{width}{RUN}", f"boris{width}{RUN}"
    title = f"The kettle blinks red at {width} px"

    # A guest looks around: the latest threads, the categories, then the support category.
    page = pages.new(width)
    page.goto("/")
    expect(page.locator("header.top .brand")).to_be_visible()
    assert_no_horizontal_scroll(page)
    page.click(".main-nav a[href='/categories']")
    expect(page).to_have_url(re.compile(r"/categories$"))
    expect(page.locator("h1")).to_have_text("Categories")
    assert_no_horizontal_scroll(page)
    page.click(f".categories a[href='{support_category.url}']")
    expect(page).to_have_url(re.compile(f"{support_category.url}$"))
    expect(page.locator("h1")).to_contain_text(support_category.name)
    assert_no_horizontal_scroll(page)

    # ... signs up, and asks a question in the support category.
    register(page, server, asker)
    page.goto(support_category.url)
    page.click("a.button[href^='/t/new']")
    expect(page.locator("#category")).to_have_value(str(support_category.id))
    assert_no_horizontal_scroll(page)
    page.fill("#title", title)
    page.fill("#body", "It blinks **red** three times and will not heat. What does it mean?")
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r"/t/\d+/"))
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator("#p1 .body strong")).to_have_text("red")
    thread_url = page.url

    # Another member, in a browser of their own, signs up and answers.
    other = pages.new(width)
    other.goto(thread_url)
    expect(other.locator(".reply-box .notice")).to_contain_text("to reply")
    register(other, server, helper)
    other.goto(thread_url)
    other.fill("#body", "Descale it: three red blinks mean limescale on the element.")
    other.click(".reply-box button[type=submit]")
    other.wait_for_url(re.compile(r"#p2$"))
    expect(other.locator("#p2 .body")).to_contain_text("three red blinks mean limescale")
    # Only the asker (or staff) may pick the answer.
    expect(other.locator("#p2").get_by_role("button", name="Mark as solution")).to_have_count(0)

    # The asker marks that reply as the solution.
    page.goto(thread_url)
    page.locator("#p2").get_by_role("button", name="Mark as solution").click()
    page.wait_for_url(re.compile(r"#p2$"))
    head = page.locator(".thread-head")
    expect(head.locator(".tag.solved")).to_have_text("Solved")
    answer_link = head.get_by_role("link", name="Go to the answer")
    expect(answer_link).to_have_attribute("href", re.compile(r"#p2$"))
    expect(page.locator("#p2.solution .solution-mark")).to_have_text("Accepted answer")
    expect(page.locator("#p2").get_by_role("button", name="Unmark solution")).to_be_visible()

    # Everyone sees it solved: the other member follows the link to the answer.
    other.goto(thread_url)
    expect(other.locator(".thread-head .tag.solved")).to_have_text("Solved")
    other.locator(".thread-head").get_by_role("link", name="Go to the answer").click()
    expect(other).to_have_url(re.compile(r"#p2$"))
    expect(other.locator("#p2")).to_be_in_viewport()

    # The category lists the thread as solved.
    page.goto(support_category.url)
    row = page.locator(".thread-row", has=page.get_by_role("link", name=title))
    expect(row.locator(".tag.solved")).to_have_text("Solved")

    page.goto(thread_url)
    assert_no_horizontal_scroll(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"thread-{width}.png"), full_page=True)


def test_form_with_an_error_keeps_what_was_typed(
    pages: Pages, server: Server, support_category: CategoryInfo
) -> None:
    username = server.create_user(f"cleo{RUN}")
    page = pages.new(1280)
    log_in(page, username)
    page.goto("/t/new")
    pages.allow(r"status of 400")
    page.select_option("#category", str(support_category.id))
    page.fill("#title", "Hi")
    body = "A long explanation I would hate to type again.\n\nSecond paragraph."
    page.fill("#body", body)
    with page.expect_response(lambda r: r.url.endswith("/t/new")) as answer:
        page.click("form button[type=submit]")
    assert answer.value.status == 400

    expect(page.locator("#body")).to_have_value(body)
    expect(page.locator("#title")).to_have_value("Hi")
    expect(page.locator("#category")).to_have_value(str(support_category.id))
    title_field = page.locator(".field", has=page.locator("#title"))
    expect(title_field).to_have_class(re.compile(r"\bhas-error\b"))
    expect(title_field.locator("#title-error")).to_have_text("Title must be at least 5 characters.")
    expect(page.locator("#title")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#title")).to_have_attribute("aria-describedby", "title-error")
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#body")).not_to_have_attribute("aria-invalid", "true")


def test_missing_page_is_a_real_404_page(pages: Pages) -> None:
    page = pages.new(360)
    pages.allow(r"status of 404")
    response = page.goto("/no/such/page")
    assert response is not None and response.status == 404
    expect(page.locator("header.top .brand")).to_be_visible()
    expect(page.locator(".main-nav a[href='/categories']")).to_be_visible()
    expect(page.locator("h1")).to_have_text("Page not found")
    expect(page).to_have_title(re.compile(r"^Page not found"))
    assert_no_horizontal_scroll(page)
    page.get_by_role("link", name="Go to the latest threads").click()
    expect(page).to_have_url(re.compile(r"/$"))


def test_site_has_a_favicon(pages: Pages) -> None:
    page = pages.new(1280)
    page.goto("/")
    icon = page.evaluate(
        "() => document.querySelector('link[rel~=icon]')?.href"
        " || new URL('/favicon.ico', location.href).href"
    )
    response = page.request.get(icon)
    assert response.status == 200, f"{icon} answers {response.status}"


def test_guest_switches_the_language_from_the_footer(pages: Pages) -> None:
    page = pages.new(360)
    page.goto("/categories")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator("footer").get_by_role("link", name="Türkçe").click()
    expect(page).to_have_url(re.compile(r"/categories$"))
    expect(page.locator("html")).to_have_attribute("lang", "tr")
    expect(page.locator(".main-nav")).to_contain_text("Kategoriler")
    page.locator("footer").get_by_role("link", name="Русский").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator("h1")).to_have_text("Категории")
    page.goto("/")  # the choice sticks for the rest of the visit
    expect(page.locator(".main-nav")).to_contain_text("Категории")
    assert_no_horizontal_scroll(page)
