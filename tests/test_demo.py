"""`run.py demo`: a believable community on an empty database, with every counter exact."""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from statistics import median

import pytest
from markupsafe import escape

from forum import db, demo, markup
from forum.accounts import service as accounts
from forum.accounts.models import User
from forum.events import Event
from forum.ideas.models import Idea, IdeaStatusChange, IdeaVote
from forum.interests import service as interests
from forum.moderation import service as moderation
from forum.notifications.models import CategoryWatch, TagWatch
from forum.search import service as search
from forum.search.models import SearchDoc
from forum.text import fold
from forum.threads import service as threads
from forum.threads.models import (
    CATEGORY_KINDS,
    POSTS_PER_PAGE,
    Category,
    Like,
    Post,
    Tag,
    Thread,
    ThreadTag,
)
from tests.conftest import make_reply, make_thread, make_user

SCALE = 200


@pytest.fixture
async def community(database, capsys) -> str:
    """Run the demo on the fresh database; returns what it printed."""
    assert await demo.run(scale=SCALE) == 0
    return capsys.readouterr().out


async def assert_consistent() -> None:
    """Recompute every counter and ordering rule from the rows themselves."""
    posts = await Post.all().values(
        "id", "thread_id", "number", "author_id", "created_at", "like_count"
    )
    likes = await Like.all().values("post_id", "user_id", "created_at")
    by_thread: dict[int, list[dict]] = defaultdict(list)
    for post in posts:
        by_thread[post["thread_id"]].append(post)
    post_by_id = {post["id"]: post for post in posts}
    likes_per_post = Counter(like["post_id"] for like in likes)
    for like in likes:
        post = post_by_id[like["post_id"]]
        assert like["user_id"] != post["author_id"], "a member liked their own post"
        assert like["created_at"] >= post["created_at"]
    assert len({(like["post_id"], like["user_id"]) for like in likes}) == len(likes)
    for post in posts:
        assert post["like_count"] == likes_per_post[post["id"]]

    category_threads: Counter = Counter()
    category_posts: Counter = Counter()
    for thread in await Thread.all():
        rows = sorted(by_thread[thread.id], key=lambda post: post["number"])
        assert [post["number"] for post in rows] == list(range(1, len(rows) + 1))
        times = [post["created_at"] for post in rows]
        assert times == sorted(times) and len(set(times)) == len(times), "replies out of order"
        # The service stamps a thread and its first post separately, microseconds apart.
        assert abs(thread.created_at - times[0]) < timedelta(seconds=1)
        assert thread.last_posted_at == times[-1]
        assert thread.last_poster_id == rows[-1]["author_id"]
        assert thread.post_count == len(rows)
        assert thread.reply_count == len(rows) - 1
        assert thread.like_count == sum(post["like_count"] for post in rows)
        if thread.solution_post_id is not None:
            solution = post_by_id[thread.solution_post_id]
            assert solution["thread_id"] == thread.id
            assert solution["number"] == thread.solution_number >= 2
        category_threads[thread.category_id] += 1
        category_posts[thread.category_id] += len(rows)
    for category in await Category.all():
        assert category.thread_count == category_threads[category.id], category.name
        assert category.post_count == category_posts[category.id], category.name

    # Ideas as the service keeps them: a row for every thread of an ideas category, its count
    # its votes (never the author's own), its status the last one the team gave.
    ideas = {idea.id: idea for idea in await Idea.all()}
    in_ideas = await Thread.filter(category__kind="ideas").values_list("id", "author_id")
    assert set(ideas) == {thread_id for thread_id, _ in in_ideas}
    authors = dict(in_ideas)
    votes = await IdeaVote.all().values_list("idea_id", "user_id")
    assert all(user_id != authors[idea_id] for idea_id, user_id in votes)
    assert len(set(votes)) == len(votes)
    counted = Counter(idea_id for idea_id, _ in votes)
    assert all(idea.vote_count == counted[idea.id] for idea in ideas.values())
    last = {c.idea_id: c for c in await IdeaStatusChange.all().order_by("created_at", "id")}
    for idea in ideas.values():
        change = last.get(idea.id)
        assert (idea.status, idea.status_at) == ((change.status, change.created_at) if change
                                                 else ("", None))  # fmt: skip


def test_every_language_has_the_same_pools_and_a_fix_for_every_question():
    english = set(demo.POOLS["en"])
    for lang in demo.LANGS:
        assert set(demo.POOLS[lang]) | {"news.maintenance"} == english, lang
        for key, questions in demo.POOLS[lang].items():
            if key.startswith("questions."):
                topic = key.removeprefix("questions.")
                assert len(demo.POOLS[lang][f"fixes.{topic}"]) == len(questions), (lang, key)


def test_plans_are_deterministic_for_a_seed_and_add_up_to_the_scale():
    now = datetime(2025, 6, 1, tzinfo=UTC)
    first = demo.make_plans(random.Random(7), 3000, now)
    second = demo.make_plans(random.Random(7), 3000, now)
    assert [(p.template, p.start, p.replies) for p in first] == [
        (p.template, p.start, p.replies) for p in second
    ]
    assert sum(plan.replies + 1 for plan in first) == 3000
    assert all(now - demo.WINDOW - timedelta(days=1) <= plan.start < now for plan in first)


@pytest.mark.parametrize(
    ("scale", "long"), [(600, 0), (9_999, 0), (10_000, 1), (300_000, 2), (1_000_000, 8)]
)
def test_long_threads_come_with_size_and_ordinary_ones_stay_short(scale, long):
    now = datetime(2025, 6, 1, tzinfo=UTC)
    plans = demo.make_plans(random.Random(7), scale, now)
    assert sum(plan.replies + 1 for plan in plans) == scale
    sizes = [plan.replies + 1 for plan in plans if plan.long]
    assert len(sizes) == long
    assert all(5_000 <= size <= 8_000 for size in sizes)
    assert max(plan.replies for plan in plans if not plan.long) <= demo.MAX_REPLIES
    assert {plan.lang for plan in plans if plan.long} == set(demo.LANGS[:long])


async def test_demo_fills_an_empty_database_with_a_community(community):
    categories = await Category.all()
    kinds = Counter(category.kind for category in categories)
    assert set(kinds) == set(CATEGORY_KINDS)
    assert all(kinds[kind] >= 2 for kind in CATEGORY_KINDS)
    assert any(c.slug == "general" and c.name == "General" for c in categories)
    assert all(c.start_role == "staff" for c in categories if c.kind == "announcements")
    assert len({c.colour for c in categories}) == len(categories)
    assert all(c.description for c in categories)

    users = await User.all()
    members = [user for user in users if user.role == "member"]
    assert len(members) >= 40
    assert [u.role for u in users].count("manager") == 1
    assert [u.role for u in users].count("moderator") == 1
    assert all(u.username_key == fold(u.username) for u in users)
    assert all(u.email_key == u.email.casefold() for u in users)
    assert all(accounts.USERNAME.match(u.username) for u in users)
    assert all(accounts.EMAIL.match(u.email) for u in users)
    assert sum(bool(u.display_name) for u in members) > len(members) / 2
    assert sum(bool(u.bio) for u in members) > len(members) / 3

    posts = await Post.all()
    assert len(posts) == SCALE
    # A long tail: a few members write much of it, most only now and then.
    per_author = sorted(Counter(post.author_id for post in posts).values(), reverse=True)
    assert per_author[0] >= 4 * median(per_author)
    assert sum(1 for count in per_author if count <= 3) >= len(per_author) / 4

    text = " ".join(post.body for post in posts)
    for letter in "çğıİöşü":
        assert letter in text, letter
    assert re.search(r"[а-яё]{4,}", text), "no Russian"
    assert re.search(r"\bthe\b", text), "no English"
    # Stored HTML is what the service would have rendered, @mentions of members linked.
    for post in posts:
        assert post.html == await threads._render(post.body), post.body
    assert any('<a href="/u/' in post.html for post in posts)
    assert any("<blockquote>" in post.html for post in posts)

    first_posts = dict(await Post.filter(number=1).values_list("thread_id", "created_at"))
    assert all(t.created_at == first_posts[t.id] for t in await Thread.all())

    solved = await Thread.filter(solution_post_id__not_isnull=True).select_related("category")
    assert solved and all(thread.category.kind == "support" for thread in solved)
    assert await Like.all().count() > SCALE / 4
    assert await IdeaVote.all().count() > await Idea.all().count()

    await assert_consistent()


async def test_timestamps_spread_over_months_and_never_precede_joining(community):
    now = datetime.now(UTC)
    threads_ = await Thread.all()
    assert min(t.created_at for t in threads_) < now - timedelta(days=120)
    assert max(t.last_posted_at for t in threads_) > now - timedelta(days=7)
    assert max(t.last_posted_at for t in threads_) <= now
    joined = dict(await User.all().values_list("id", "created_at"))
    for author_id, created_at in await Post.all().values_list("author_id", "created_at"):
        assert joined[author_id] < created_at
    for user_id, created_at in await Like.all().values_list("user_id", "created_at"):
        assert joined[user_id] < created_at <= now


async def test_the_printed_password_signs_the_manager_in(community):
    username = re.search(r"username: (\S+)", community).group(1)
    password = re.search(r"password: (\S+)", community).group(1)
    user = await accounts.authenticate(username, password, client="test")
    assert user.role == "manager"
    assert password not in demo.TEXTS and len(password) >= accounts.PASSWORD_MIN


async def test_it_leaves_a_database_with_content_alone(database, capsys):
    await make_user("ana")
    assert await demo.run(scale=SCALE) == 1
    assert "--force" in capsys.readouterr().out
    assert await User.all().count() == 1
    assert not await Thread.all().exists()


async def test_force_adds_to_existing_content_and_keeps_counters_exact(database, capsys):
    owner = await make_user("mira_lumio")  # the demo manager's name is taken
    await make_thread(owner)
    assert await demo.run(scale=SCALE, force=True) == 0
    assert "username: mira_lumio\n" not in capsys.readouterr().out
    assert await Post.all().count() == SCALE + 1
    # A second run on top of the first reuses the categories and finds free names.
    assert await demo.run(scale=SCALE, force=True) == 0
    assert await Post.all().count() == 2 * SCALE + 1
    assert await Category.all().count() == 1 + len(demo.CATEGORIES)
    await assert_consistent()
    # New posts after the bulk insert get fresh ids (sequences moved on PostgreSQL).
    thread = await Thread.filter(solution_post_id__isnull=True).first()
    await threads.reply(await threads.get_thread(thread.id), owner, "Still a living forum.")


async def test_home_thread_and_profile_pages_show_the_community(community, client):
    latest = await Thread.all().order_by("-last_posted_at", "-id").first()
    home = await client.get("/")
    assert home.status_code == 200
    assert str(escape(latest.title)) in home.text
    assert "Lumio Community" in home.text

    busy = await Thread.filter(reply_count__gte=3).order_by("-like_count").first()
    page = await client.get(busy.url)
    assert page.status_code == 200
    assert str(escape(busy.title)) in page.text
    last_reply = await Post.get(thread_id=busy.id, number=min(busy.post_count, 20))
    assert last_reply.html in page.text

    # An ideas category lists its ideas with their votes, the most voted first.
    voted = await Idea.all().order_by("-vote_count", "id").first()
    ideas = await client.get((await Category.get(id=voted.category_id)).url + "?sort=votes")
    assert ideas.status_code == 200
    assert f"{voted.vote_count} votes" in ideas.text

    top = Counter(await Post.all().values_list("author_id", flat=True)).most_common(1)[0][0]
    member = await User.get(id=top)
    profile = await client.get(member.url)
    assert profile.status_code == 200
    assert str(escape(member.name)) in profile.text


async def test_ten_thousand_posts_have_a_long_thread_tags_followers_and_a_search_index(
    database, client, capsys
):
    assert await demo.run(scale=10_000) == 0
    assert "1 long, of 5" in capsys.readouterr().out
    await assert_consistent()
    # Where the team answered an idea, it gave it a status then.
    assert {"under_review", "planned"} <= set(await Idea.all().values_list("status", flat=True))

    # The long thread a benchmark pages through: numbered 1..N without gaps, counted right.
    (big,) = await Thread.filter(post_count__gte=5_000)
    numbers = await Post.filter(thread_id=big.id).values_list("number", flat=True)
    assert sorted(numbers) == list(range(1, big.post_count + 1))
    assert big.reply_count == big.post_count - 1
    assert await Thread.filter(post_count__gt=demo.MAX_REPLIES + 1).count() == 1
    page = await client.get(f"{big.url}?page=250")
    assert page.status_code == 200
    last = await Post.get(thread_id=big.id, number=250 * POSTS_PER_PAGE)
    assert last.html in page.text

    # Tags: the curated list, up to three on a thread, listed on it as tagging.write does, and
    # each tag's count is its threads.
    tags = {tag.id: tag for tag in await Tag.all()}
    assert {tag.slug for tag in tags.values()} == {slug for slug, *_ in demo.TAGS}
    rows = await ThreadTag.all().values_list("thread_id", "tag_id", "last_posted_at")
    per_thread: dict[int, list[Tag]] = defaultdict(list)
    for thread_id, tag_id, _ in rows:
        per_thread[thread_id].append(tags[tag_id])
    threads_ = {thread.id: thread for thread in await Thread.all()}
    for thread in threads_.values():
        chosen = sorted(per_thread[thread.id], key=lambda tag: (tag.name, tag.id))
        assert thread.tags == " ".join(tag.slug for tag in chosen)
        assert len(chosen) <= 3
    assert all(threads_[t].last_posted_at == moment for t, _, moment in rows)
    counts = Counter(tag_id for _, tag_id, _ in rows)
    assert all(tag.thread_count == counts[tag.id] for tag in tags.values())
    tagged = {thread_id for thread_id, _, _ in rows}
    assert len(threads_) / 2 < len(tagged) < len(threads_)
    assert all(counts[tag_id] for tag_id in tags), "a tag nothing fits"
    battery = next(tag for tag in tags.values() if tag.slug == "battery")
    battery_titles = [threads_[t].title for t, tag_id, _ in rows if tag_id == battery.id]
    assert any("battery" in title.lower() or "pil" in title.lower() for title in battery_titles)

    # Members follow categories and tags, and the manager's "For you" has threads in it.
    assert await CategoryWatch.all().count() > 100
    assert await TagWatch.all().count() > 50
    manager = await User.get(role="manager")
    mine = await interests.for_you(manager)
    assert mine.follows and mine.picks

    # The activity log: one event per post, like and accepted answer, oldest first.
    log = await Event.all().order_by("id").values_list("kind", "created_at")
    kinds = Counter(kind for kind, _ in log)
    assert kinds["ThreadCreated"] == len(threads_)
    assert kinds["ThreadCreated"] + kinds["PostCreated"] == 10_000
    assert kinds["LikeGiven"] == await Like.all().count()
    assert (
        kinds["SolutionAccepted"] == await Thread.filter(solution_post_id__not_isnull=True).count()
    )
    assert [moment for _, moment in log] == sorted(moment for _, moment in log)

    # Stored HTML with @mentions and quotes is exactly what the service renders.
    decorated = await Post.filter(body__contains="@").order_by("id").limit(400)
    assert len(decorated) > 100
    for post in decorated:
        assert post.html == await threads._render(post.body), post.body

    # Search finds the demo's posts, in all three languages.
    assert await SearchDoc.all().count() == 10_000
    for query in ("battery", "pil", "батарея", "collection"):
        assert (await search.search(query, log=False)).hits, query
    if db.dialect() == "sqlite":
        await db.execute("INSERT INTO search_fts(search_fts) VALUES ('integrity-check')")


async def test_rebuilding_the_search_index_keeps_only_shown_posts_and_the_index_live(
    member, other_member, moderator
):
    kept = await make_thread(member, title="Speaker hum", body="A low hum from the speaker")
    hidden = await make_reply(kept, other_member, "Buy zebracorp cables now")
    await moderation.hide_post(await threads.get_post(hidden.id), moderator, "Advertising")
    gone = await make_thread(member, title="Warranty claim", body="Warranty refused")
    opening = await Post.get(thread_id=gone.id, number=1).select_related("thread__category")
    await threads.delete_post(opening, member)
    triggers = await _triggers()
    # An index out of step with the posts: a shown post left out, a hidden one and one past the
    # last post kept in.
    shown = await Post.get(thread_id=kept.id, number=1)
    await SearchDoc.filter(id=shown.id).delete()
    await SearchDoc.create(id=hidden.id, thread_id=kept.id, title="speaker", body="zebracorp")
    await SearchDoc.create(id=hidden.id + 100, thread_id=gone.id, title="warranty")

    assert await search.rebuild(batch=1) == 1
    assert await SearchDoc.all().values_list("id", flat=True) == [shown.id]
    assert [hit.thread.id for hit in (await search.search("hum", log=False)).hits] == [kept.id]
    assert not (await search.search("zebracorp", log=False)).hits
    assert not (await search.search("warranty", log=False)).hits
    # The full-text index goes on following the posts (SQLite: its triggers are back, as they
    # were).
    assert await _triggers() == triggers
    reply = await make_reply(kept, other_member, "Grounding loop fixed the hum")
    assert (await search.search("grounding", log=False)).hits[0].post.id == reply.id
    post = await Post.get(id=reply.id).select_related("thread", "author")
    await threads.edit_post(post, other_member, body="A ferrite bead fixed it")
    assert not (await search.search("grounding", log=False)).hits
    assert (await search.search("ferrite", log=False)).hits
    assert await search.rebuild() == 2
    if db.dialect() == "sqlite":
        await db.execute("INSERT INTO search_fts(search_fts) VALUES ('integrity-check')")


async def _triggers() -> list[dict]:
    if db.dialect() != "sqlite":
        return []
    return await db.fetch(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'search_doc'"
        " ORDER BY name"
    )


def test_a_post_is_rendered_once_per_shape_and_gets_its_own_names_back():
    known = {fold(name): name for name in ("ayşe_yılmaz", "Дмитрий85", "budsfan12", "a_b_")}
    bodies = [
        "@ayşe_yılmaz that did it, thanks!",
        "@Дмитрий85 @budsfan12 same *here*",
        markup.quote("budsfan12", "Battery drains overnight since 3.4") + "Same on my Buds",
        "@AYŞE_YILMAZ, @nobody and @a_b_ see https://example.com",
        "@budsfan12x is not budsfan12",
    ]
    for body in bodies:
        names = tuple(sorted(known[fold(n)] for n in markup.mentioned_names(body)
                             if fold(n) in known))  # fmt: skip
        assert demo.render_post(body, known) == markup.render(body, names), body
