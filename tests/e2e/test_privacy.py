"""Privacy in a real browser: a member downloads their data as a ZIP, then deletes their
account keeping their posts, which then read as by a "deleted member"."""

from __future__ import annotations

import json
import re
import zipfile

from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, RUN, CategoryInfo, Pages, Server, log_in


def test_a_member_downloads_their_data_then_deletes_their_account(
    pages: Pages, server: Server, support_category: CategoryInfo, tmp_path
) -> None:
    # The wrong password, and signing in to the deleted account, are answered 400 on purpose.
    pages.allow(r"/settings/privacy/delete: .*status of 400")
    pages.allow(r"/login\?next=/: .*status of 400")
    username = server.create_user(f"leaver{RUN}")
    title = f"Does the lamp dim by itself {RUN}?"
    page = pages.new()
    log_in(page, username)
    page.goto(f"/t/new?category={support_category.id}")
    page.fill("#title", title)
    page.fill("#body", "After an hour it dims to half. Is that a setting?")
    page.get_by_role("button", name="Post thread").click()
    page.wait_for_url(re.compile(r"/t/\d+/"))
    thread_url = page.url

    # The privacy page is one of the member's settings.
    page.goto("/settings/profile")
    page.get_by_role("link", name="Privacy").click()
    page.wait_for_url("**/settings/privacy")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download my data").click()
    download = download_info.value
    assert re.fullmatch(r"forum-data-\d{4}-\d\d-\d\d\.zip", download.suggested_filename)
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        account = json.loads(archive.read("account.json"))
        posts = [name for name in archive.namelist() if name.startswith("posts/")]
        assert account["account"]["email"] == f"{username}@example.com"
        assert len(posts) == 1
        assert "After an hour it dims to half." in archive.read(posts[0]).decode()

    # A wrong password is refused beside its field; the right one deletes the account.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_label("Keep them").check()
    page.fill("#password", "not my password")
    page.get_by_role("button", name="Delete my account").click()
    expect(page.locator("#password-error")).to_have_text("That is not your current password.")
    page.once("dialog", lambda dialog: dialog.accept())
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Delete my account").click()
    page.wait_for_url("**/account-deleted")
    expect(page.get_by_role("heading", name="Your account is deleted")).to_be_visible()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()

    page.goto(thread_url)
    expect(page.locator(".post").first).to_contain_text("deleted member")
    assert username not in page.content()
    page.goto("/login")
    page.fill("#login", username)
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit]")
    expect(page.locator("#login-error")).to_be_visible()
