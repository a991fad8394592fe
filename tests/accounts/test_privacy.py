"""Privacy: a member downloads their data and deletes their account (posts kept as a "deleted
member" or removed, within the manager's policy); afterwards no table holds their address or
their name. IP addresses are never stored, only keyed hashes that expire."""

import asyncio
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from tortoise import Tortoise

from forum import db, pagecache, ratelimit, worker
from forum.accounts import service as accounts
from forum.accounts.models import Session, User
from forum.advocacy.models import BadgeAward, PointEntry
from forum.blog import service as blog
from forum.blog.models import GuestPost
from forum.events import Event
from forum.ideas import service as ideas
from forum.ideas.models import Idea, IdeaVote
from forum.mail.models import OutboxMessage
from forum.moderation import service as moderation
from forum.notifications import service as notifications
from forum.notifications.models import WATCHING, Notification
from forum.polls import service as polls
from forum.polls.models import PollOption, PollVote
from forum.privacy import export, service
from forum.ratelimit import RateCounter
from forum.site import models as site
from forum.threads import bookmarks
from forum.threads import service as threads
from forum.threads.models import Category, Like, Post, Thread
from tests.conftest import (
    PASSWORD,
    confirm_signup,
    count_queries,
    general,
    login,
    make_category,
    make_reply,
    make_thread,
    make_user,
    submit,
)

# Words only the member's own data holds: after deletion no table may contain them.
NAME, EMAIL = "quillfeather", "quillfeather@example.com"
DISPLAY, BIO, WEBSITE = "Quill Featherstone", "Keeper of lighthouse zqxmark", "https://zqx.example"
# Written into their notes, comments, flags and bookmarks.
MARK = "zqxmark"


# --- Looking through every table


async def tables() -> list[str]:
    """Every table the database has, read from its catalogue: a new one is covered at once."""
    connection = Tortoise.get_connection("default")
    if db.dialect() == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
    else:
        sql = "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'"
    return [row["name"] for row in await connection.execute_query_dict(sql)]


async def holding(*needles: str) -> list[str]:
    """table.column (and the word) of every value in the database containing one of the
    needles, compared case-insensitively."""
    connection = Tortoise.get_connection("default")
    found = []
    for table in await tables():
        for row in await connection.execute_query_dict(f'SELECT * FROM "{table}"'):
            for column, value in row.items():
                if isinstance(value, bytes | memoryview):
                    text = bytes(value).decode("utf-8", "ignore")
                else:
                    text = str(value)
                found += [
                    f"{table}.{column}: {needle}"
                    for needle in needles
                    if needle.casefold() in text.casefold()
                ]
    return found


async def test_the_scan_finds_what_a_table_holds(database):
    """The scan itself: it would see the address in the users table."""
    await make_user(NAME)
    assert f"users.email: {EMAIL}" in await holding(EMAIL)


# --- A member with something in every corner of the forum


async def busy_member(other: User, editor: User) -> dict:
    """A member who registered, set a profile, posted, liked, bookmarked, voted, flagged,
    follows a category, got notifications, e-mail and badges, wrote a guest post, and has a
    staff note and rate counters about them. Returns what the tests look at."""
    member = await make_user(NAME)
    await accounts.update_profile(member, display_name=DISPLAY, bio=BIO, website=WEBSITE)
    alone = await make_thread(member, title="Lighthouse lamps that nobody answered")
    answered = await make_thread(member, title="Which lighthouse lamp lasts longest?")
    others_reply = await make_reply(answered, other, "The brass one, in my experience.")
    own_reply = await make_reply(answered, member, "Thanks, ordering the brass lighthouse lamp.")
    elsewhere = await make_thread(other, title="Show your reading corners")
    reply_elsewhere = await make_reply(elsewhere, member, "Mine has a tiny lighthouse lamp.")
    await threads.like(await Post.get(thread_id=elsewhere.id, number=1), member)
    await threads.like(own_reply, other)
    await bookmarks.bookmark(member, others_reply, note="buy-zqxmark")
    await notifications.set_category_level(member, (await general()).id, WATCHING)
    await notifications.update_preferences(member, {"digest": "daily"})
    ideas_category = await make_category(name="Ideas", slug="ideas", kind="ideas")
    idea = await make_thread(other, ideas_category, title="A dimmer for the lighthouse lamp")
    await ideas.vote(idea, member)
    poll = await polls.create_poll(elsewhere, other, question="Warm or cold light?",
                                   options="Warm\nCold")  # fmt: skip
    await polls.vote(poll, member, [str((await polls.options_of(poll))[0].id)])
    await moderation.flag_post(others_reply, member, reason="spam", note="flag-zqxmark")
    await moderation.add_note(member, editor, f"{NAME} asked about lamps, note-zqxmark")
    await accounts.send_verification(member)  # an e-mail to their address, in the outbox
    await ratelimit.hit("verify-mail", member.id, 3600)
    await ratelimit.hit("verify-mail", other.id, 3600)
    guest_post = await blog.invite(editor, member, topic="Lamps for a reading corner",
                                   brief="Three setups members love", message="Would you?",
                                   due="2099-01-31")  # fmt: skip
    await blog.move(guest_post, member, "accept")
    await blog.save_draft(guest_post, member, title="Lamps for a reading corner",
                          summary="Three setups that our members love.",
                          body="Warm light from behind the shoulder. " * 8)  # fmt: skip
    for actor, action in [(member, "submit"), (editor, "review"), (editor, "approve"),
                          (editor, "publish")]:  # fmt: skip
        await blog.move(guest_post, actor, action)
    await blog.comment(guest_post, member, "Thanks for the edits, comment-zqxmark")
    await pagecache.bump()
    return {
        "member": member, "alone": alone, "answered": answered, "others_reply": others_reply,
        "own_reply": own_reply, "elsewhere": elsewhere, "reply_elsewhere": reply_elsewhere,
        "idea": idea, "poll": poll, "guest_post": guest_post,
    }  # fmt: skip


@pytest.fixture
async def editor(database) -> User:
    return await make_user("editor", role="manager")


@pytest.fixture
async def busy(database, other_member, editor) -> dict:
    return await busy_member(other_member, editor)


async def read_zip(response) -> tuple[dict, dict[str, str]]:
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    files = {name: archive.read(name).decode() for name in archive.namelist()}
    return json.loads(files.pop("account.json")), files


# --- The page


async def test_the_privacy_page_is_linked_from_the_settings_and_says_what_is_kept(client, member):
    await login(client, member)
    settings_page = await client.get("/settings/profile")
    assert 'href="/settings/privacy"' in settings_page.text
    page = await client.get("/settings/privacy")
    assert page.status_code == 200
    assert "Never your IP address" in page.text
    assert 'href="/settings/privacy/export"' in page.text and "Download my data" in page.text
    assert 'action="/settings/privacy/delete"' in page.text and 'name="password"' in page.text
    assert 'name="posts" value="keep"' in page.text and 'name="posts" value="remove"' in page.text


@pytest.mark.parametrize("path", ["/settings/privacy", "/settings/privacy/export"])
async def test_guests_are_sent_to_log_in(client, database, path):
    response = await client.get(path)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={path}"


# --- The download


async def test_a_member_downloads_a_zip_of_their_data_and_their_posts_in_markdown(
    client, busy, other_member
):
    member = busy["member"]
    await login(client, member)
    response = await client.get("/settings/privacy/export")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"].startswith('attachment; filename="forum-data-')
    assert response.headers["cache-control"] == "no-store"
    data, files = await read_zip(response)

    account = data["account"]
    assert (account["username"], account["email"], account["display_name"]) == (
        NAME, EMAIL, DISPLAY
    )  # fmt: skip
    assert account["bio"] == BIO and account["website"] == WEBSITE
    assert [b["note"] for b in data["bookmarks"]] == ["buy-zqxmark"]
    assert [w["category"] for w in data["watching"]["categories"]] == ["General"]
    assert data["notification_preferences"]["digest"] == "daily"
    assert {like["thread_id"] for like in data["likes_given"]} == {busy["elsewhere"].id}
    assert [vote["thread_id"] for vote in data["idea_votes"]] == [busy["idea"].id]
    assert [vote["option"] for vote in data["poll_votes"]] == ["Warm"]
    assert [flag["note"] for flag in data["flags_raised"]] == ["flag-zqxmark"]
    assert data["recognition"]["points"] and data["recognition"]["standing"]["points"] > 0
    assert [post["title"] for post in data["guest_posts"]] == ["Lamps for a reading corner"]
    assert [c["body"] for c in data["editorial_comments"]] == [
        "Thanks for the edits, comment-zqxmark"
    ]
    assert any(mail["kind"] == "verify" for mail in data["emails"])
    assert {thread["title"] for thread in data["threads_started"]} >= {
        "Lighthouse lamps that nobody answered", "Which lighthouse lamp lasts longest?"
    }  # fmt: skip
    assert data["sessions"], "the session the download came from"

    own_reply = busy["own_reply"]
    name = f"posts/{busy['answered'].id}-{own_reply.number}.md"
    assert name in files and len(files) == len(data["posts"]) == 5
    assert files[name].startswith('---\ntitle: "Which lighthouse lamp lasts longest?"\n')
    assert files[name].rstrip().endswith("Thanks, ordering the brass lighthouse lamp.")
    assert f"thread: {busy['answered'].id}\nnumber: {own_reply.number}\n" in files[name]
    # Other members appear by username at most: never their address.
    assert "boris" in [note["actor"] for note in data["notifications"]]
    everything = json.dumps(data) + "".join(files.values())
    assert other_member.email not in everything
    # Staff notes about the member are the moderators' own.
    assert "note-zqxmark" not in everything


async def test_the_download_reads_posts_in_batches_not_one_query_per_post(
    client, member, other_member, monkeypatch
):
    thread = await make_thread(other_member)
    for _ in range(3):
        await make_reply(thread, member)
    with count_queries() as few:
        await export.export(member)
    for _ in range(27):
        await make_reply(thread, member)
    with count_queries() as many:
        data = await export.export(member)
    assert len(zipfile.ZipFile(io.BytesIO(data)).namelist()) == 31  # 30 posts and the JSON
    assert len(many) == len(few)
    monkeypatch.setattr(export, "POST_BATCH", 10)
    with count_queries() as batched:
        await export.export(member)
    assert len(batched) == len(few) + 3  # 30 posts in four batches of at most 10


# --- Deleting


async def test_deleting_needs_the_forms_csrf_token(client, member):
    await login(client, member)
    response = await client.post(
        "/settings/privacy/delete", data={"password": PASSWORD, "posts": "keep"}
    )
    assert response.status_code == 403
    assert await User.filter(id=member.id, deleted_at__isnull=True).exists()


async def test_a_wrong_password_keeps_the_account_and_shows_the_error_beside_the_field(
    client, member
):
    await login(client, member)
    response = await submit(
        client, "/settings/privacy/delete", {"password": "not my password", "posts": "remove"}
    )
    assert response.status_code == 400
    assert 'id="password-error"' in response.text
    assert "That is not your current password." in response.text
    assert 'name="posts" value="remove" checked' in response.text  # the choice is kept
    assert (await User.get(id=member.id)).email == member.email
    assert (await client.get("/settings/privacy")).status_code == 200  # still signed in


async def test_the_member_is_asked_what_happens_to_their_posts(client, member):
    await login(client, member)
    response = await submit(client, "/settings/privacy/delete", {"password": PASSWORD})
    assert response.status_code == 400
    assert 'id="posts-error"' in response.text and "Choose what happens to your posts." in (
        response.text
    )
    assert await User.filter(id=member.id, deleted_at__isnull=True).exists()


async def test_the_only_manager_cannot_delete_their_account(client, manager):
    await login(client, manager)
    page = await client.get("/settings/privacy")
    assert "You are the community's only manager." in page.text
    response = await submit(
        client, "/settings/privacy/delete", {"password": PASSWORD, "posts": "keep"}
    )
    assert response.status_code == 400
    assert "Make another member a manager before you delete your account." in response.text
    assert await User.filter(id=manager.id, deleted_at__isnull=True).exists()
    await make_user("second", role="manager")
    response = await submit(
        client, "/settings/privacy/delete", {"password": PASSWORD, "posts": "keep"}
    )
    assert response.status_code == 303
    assert await User.filter(id=manager.id, deleted_at__isnull=False).exists()


async def test_keeping_posts_shows_them_everywhere_as_by_a_deleted_member(
    client, busy, other_member
):
    member, answered = busy["member"], busy["answered"]
    await login(client, member)
    response = await submit(
        client, "/settings/privacy/delete", {"password": PASSWORD, "posts": "keep"}
    )
    assert response.status_code == 303 and response.headers["location"] == "/account-deleted"
    goodbye = await client.get("/account-deleted")
    assert "Your account is deleted" in goodbye.text and "Log in" in goodbye.text
    assert not await Session.filter(user_id=member.id).exists()

    thread_page = await client.get(answered.url)
    assert "Thanks, ordering the brass lighthouse lamp." in thread_page.text
    assert "deleted member" in thread_page.text
    assert NAME not in thread_page.text and DISPLAY not in thread_page.text
    feed = await client.get(f"/feeds/t/{answered.id}.rss")
    assert "deleted member" in feed.text and NAME not in feed.text
    found = await client.get("/search", params={"q": "brass lighthouse"})
    assert "deleted member" in found.text and NAME not in found.text
    assert (await client.get(f"/u/{NAME}")).status_code == 404
    assert (await client.get(f"/feeds/u/{NAME}.rss")).status_code == 404
    assert (await client.get("/u/deleted member")).status_code == 404
    guest_post = await client.get(f"/blog/{busy['guest_post'].slug}")
    assert guest_post.status_code == 200 and "deleted member" in guest_post.text

    # Nothing signs in to it; its name and address are free for a new account.
    login_page = await submit(client, "/login", {"login": EMAIL, "password": PASSWORD})
    assert login_page.status_code == 400
    again = await accounts.create_user(NAME, EMAIL, PASSWORD)
    assert again.id != member.id
    # What they gave stays counted; who gave it is forgotten.
    liked = await Post.get(thread_id=busy["elsewhere"].id, number=1)
    assert liked.like_count == 1 and not await Like.filter(user_id=member.id).exists()
    assert (await Idea.get(id=busy["idea"].id)).vote_count == 1
    assert not await IdeaVote.filter(user_id=member.id).exists()
    assert sum(o.vote_count for o in await PollOption.filter(poll_id=busy["poll"].id)) == 1
    assert not await PollVote.filter(user_id=member.id).exists()
    event = await Event.filter(kind="AccountDeleted").get()
    assert event.data == {"user_id": member.id, "posts": "keep"}


async def test_removing_posts_deletes_them_and_keeps_others_replies(client, busy, other_member):
    member, answered, alone = busy["member"], busy["answered"], busy["alone"]
    category_before = await Category.get(slug="general")
    await login(client, member)
    response = await submit(
        client, "/settings/privacy/delete", {"password": PASSWORD, "posts": "remove"}
    )
    assert response.status_code == 303

    # A thread nobody answered goes; the counts drop with it.
    assert (await client.get(alone.url)).status_code == 404
    # A thread others replied to stays for their replies; its opening post is a note now.
    thread_page = await client.get(answered.url)
    assert thread_page.status_code == 200
    assert "The brass one, in my experience." in thread_page.text
    assert "This post was removed by its author." in thread_page.text
    assert "ordering the brass lighthouse lamp" not in thread_page.text
    kept = await Thread.get(id=answered.id)
    assert kept.deleted_at is None and kept.reply_count == 1
    category = await Category.get(slug="general")
    # alone (1 post) and answered's own reply (1); the poll thread's reply is elsewhere.
    assert category.thread_count == category_before.thread_count - 1
    assert category.post_count == category_before.post_count - 3
    elsewhere = await Thread.get(id=busy["elsewhere"].id)
    assert elsewhere.reply_count == 0
    # Their words are gone from the database, not only from the pages.
    posts = await Post.filter(author_id=member.id).order_by("id")
    opening = next(p for p in posts if p.thread_id == answered.id and p.number == 1)
    assert opening.deleted_at is None and opening.body == "This post was removed by its author."
    gone = [post for post in posts if post is not opening]
    assert len(gone) == 4 and all(p.deleted_at and p.body == p.html == "" for p in gone)
    found = await client.get("/search", params={"q": "lighthouse"})
    assert "Lighthouse lamps that nobody answered" not in found.text
    assert "ordering the brass" not in found.text
    assert not await GuestPost.filter(id=busy["guest_post"].id).exists()
    assert (await client.get(f"/blog/{busy['guest_post'].slug}")).status_code == 404


@pytest.mark.parametrize("posts", ["keep", "remove"])
async def test_after_deletion_no_table_holds_the_members_address_or_name(busy, posts):
    member = busy["member"]
    assert await holding(EMAIL, NAME, DISPLAY, BIO, WEBSITE)  # there was plenty before
    assert await service.delete_account(member, password=PASSWORD, posts=posts) == posts
    assert await holding(EMAIL, NAME, DISPLAY, BIO, WEBSITE, MARK) == []
    gone = await User.get(id=member.id)
    assert (gone.username, gone.email, gone.password_hash) == ("deleted member", "", "")
    assert gone.deleted_at is not None and not gone.is_active and gone.name == "deleted member"
    for model in (Notification, BadgeAward, PointEntry, OutboxMessage, Session):
        assert not await model.filter(user_id=member.id).exists(), model.__name__
    assert not await RateCounter.filter(key__contains=f":{member.id}:").exists()
    assert await RateCounter.filter(key__contains=":").exists()  # the other member's stays


@pytest.mark.parametrize("rule, asked, kept", [
    ("keep", "remove", True), ("remove", "keep", False), ("choose", "keep", True),
    ("choose", "remove", False),
])  # fmt: skip
async def test_the_managers_policy_decides_unless_it_leaves_the_choice_to_the_member(
    client, member, other_member, rule, asked, kept
):
    await site.set_value("deleted_posts", rule)
    thread = await make_thread(member, title="A lamp question for the policy")
    await login(client, member)
    page = await client.get("/settings/privacy")
    assert ('name="posts"' in page.text) == (rule == "choose")
    response = await submit(
        client, "/settings/privacy/delete", {"password": PASSWORD, "posts": asked}
    )
    assert response.status_code == 303
    shown = await client.get(thread.url)
    assert (shown.status_code == 200) == kept
    assert await Event.filter(kind="AccountDeleted").values_list("data", flat=True) == [
        {"user_id": member.id, "posts": "keep" if kept else "remove"}
    ]


async def test_the_manager_sets_the_policy_with_the_other_community_settings(client, manager):
    await login(client, manager)
    page = await client.get("/admin/settings")
    assert 'name="deleted_posts"' in page.text and '<option value="choose" selected>' in page.text
    settings = {name: value for name, value in (await site.get_all()).items()
                if name in ("name", "language", "timezone", "hold_first_posts", "trust_posts",
                            "trust_days", "flags_to_hide", "colour", "winback_days",
                            "email_daily_cap")}  # fmt: skip
    response = await submit(client, "/admin/settings", {**settings, "deleted_posts": "remove"})
    assert response.status_code == 303
    assert await service.policy() == "remove"
    wrong = await submit(client, "/admin/settings", {**settings, "deleted_posts": "archive"})
    assert wrong.status_code == 400 and 'id="deleted_posts-error"' in wrong.text


async def test_two_deletions_at_once_delete_once(member):
    twice = [service.delete_account(member, password=PASSWORD, posts="keep") for _ in range(2)]
    assert await asyncio.gather(*twice) == ["keep", "keep"]
    assert await Event.filter(kind="AccountDeleted").count() == 1


# --- IP addresses


async def test_no_table_holds_the_raw_client_address_after_sign_ups_and_sign_ins(client, database):
    address = "203.0.113.7"  # the test client's (tests/conftest.py)
    await submit(client, "/register", {"username": "newcomer", "email": "new@example.com",
                                       "password": PASSWORD})  # fmt: skip
    await confirm_signup(client, "new@example.com")
    await submit(client, "/logout")
    await submit(client, "/login", {"login": "newcomer", "password": "wrong password"})
    await submit(client, "/login", {"login": "newcomer", "password": PASSWORD})
    await submit(client, "/password-reset", {"email": "new@example.com"})
    counters = await RateCounter.all().values_list("key", flat=True)
    assert any(key.startswith("register:") for key in counters)
    assert any(key.startswith("login-fail:") for key in counters)
    assert await holding(address) == []


async def test_the_worker_deletes_expired_rate_counters(database):
    await ratelimit.hit("login-fail", "0123456789abcdef", 900)
    await RateCounter.create(
        key="login-fail:fedcba9876543210:1", count=3,
        expires_at=datetime.now(UTC) - timedelta(seconds=1),
    )  # fmt: skip
    await worker.run_once(prune=True)
    assert [key.split(":")[1] for key in await RateCounter.all().values_list("key", flat=True)] == [
        "0123456789abcdef"
    ]
