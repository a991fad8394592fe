"""No page asks any host but the forum's own for anything: Chromium records every request the
main pages make (guest and manager), including what members' posts and profiles point at,
and the test fails on any other host. Each page's Content-Security-Policy allows scripts from
the site itself only, never inline."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, Page, Request, Route

from tests.e2e.conftest import MANAGER, RUN, CategoryInfo, Pages, Server, log_in

# What a member might paste hoping the forum fetches it for every reader (a tracking pixel, a
# remote script or stylesheet, a frame).
THIRD_PARTY_BODY = """Our kettle's manual is [on the maker's site](https://maker.example/manual).

![tracking pixel](https://tracker.example/pixel.gif)

<img src="https://tracker.example/img.png"> <script src="https://cdn.example/x.js"></script>
<link rel="stylesheet" href="https://cdn.example/x.css">
<iframe src="https://video.example/embed/1"></iframe>"""


def _record(context: BrowserContext, base_url: str) -> list[str]:
    """Every request any page of the context makes; those to other hosts are recorded, then
    refused (the test machine has no network to send them to)."""
    own = urlsplit(base_url).netloc
    seen: list[str] = []

    def route(route: Route, request: Request) -> None:
        if urlsplit(request.url).netloc == own:
            route.continue_()
        else:
            route.abort()

    context.on("request", lambda request: seen.append(request.url))
    context.route("**/*", route)
    return seen


def _foreign(seen: list[str], base_url: str) -> list[str]:
    own = urlsplit(base_url)
    return [
        url
        for url in seen
        # data: images (allowed by the policy) and the like never leave the browser.
        if urlsplit(url).scheme not in ("data", "blob", "about")
        and (urlsplit(url).scheme, urlsplit(url).netloc) != (own.scheme, own.netloc)
    ]


def _visit(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, path
    page.wait_for_load_state("networkidle")
    policy = response.headers.get("content-security-policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    scripts = directives.get("script-src", directives.get("default-src"))
    assert scripts, f"{path}: no script-src in the Content-Security-Policy: {policy!r}"
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, (path, policy)
    # Only the site itself (or a hash or nonce of its own): no script host of anyone else.
    assert all(re.fullmatch(r"'self'|'(nonce|sha256|sha384|sha512)-[^']+'", source)
               for source in scripts), (path, policy)  # fmt: skip


def test_no_page_requests_anything_from_another_host(
    pages: Pages, server: Server, support_category: CategoryInfo
) -> None:
    member = server.create_user(f"priv{RUN}")
    profile = pages.new(1280)
    log_in(profile, member)
    profile.goto("/settings/profile")
    profile.fill("#website", "https://tracker.example/me")
    profile.fill("#bio", "I test kettles. ![me](https://tracker.example/avatar.png)")
    profile.click("form button[type=submit]")
    profile.wait_for_url("**/settings/profile?saved=1")
    # Staff may post links at once (new members' links are limited).
    writer = pages.new(1280)
    log_in(writer, MANAGER)
    writer.goto(f"/t/new?category={support_category.id}")
    writer.fill("#title", f"Where is the kettle manual {RUN}")
    writer.fill("#body", THIRD_PARTY_BODY)
    writer.get_by_role("button", name="Post thread").click()
    writer.wait_for_url(re.compile(r"/t/\d+/"))
    thread = urlsplit(writer.url).path

    guest = pages.new(1280)
    seen = _record(guest.context, server.url)
    for path in ["/", support_category.url, thread, f"/u/{member}",
                 f"/search?q=kettle+manual+{RUN}", "/login", "/register", "/blog", "/badges",
                 "/advocates", "/categories"]:  # fmt: skip
        _visit(guest, path)
    assert any(urlsplit(url).path == thread for url in seen), "requests were not recorded"

    manager = pages.new(1280)
    seen_by_staff = _record(manager.context, server.url)
    log_in(manager, MANAGER)
    for path in ["/admin", thread, "/mod/queue", "/admin/recognition", "/admin/advocates"]:
        _visit(manager, path)

    assert not _foreign(seen + seen_by_staff, server.url)
