"""The public recognition pages: every badge, a badge's page and picture, the leaderboard."""

import re
import struct
import zlib
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

from forum.accounts.models import User
from forum.advocacy import board, service
from forum.advocacy.models import Badge, Standing
from forum.settings import settings
from forum.site import models as site
from tests.conftest import count_queries, login, make_category, make_thread, make_user, submit

NOW = datetime.now(UTC)


async def _points(user, points: int, days_ago: float = 0, category=None) -> None:
    await service.book(
        user.id, points, "adjustment", f"test:{user.id}:{points}:{days_ago}:{category}",
        NOW - timedelta(days=days_ago), category_id=category.id if category else None,
    )  # fmt: skip


async def _award(badge, user, key: str, **options):
    return await service.award(badge, user.id, f"test:{key}", datetime.now(UTC), **options)


def _item(html: str, slug: str) -> str:
    """The entry of one badge on /badges."""
    match = re.search(rf'<li class="badge-item">\s*<a href="/badges/{slug}".*?</li>', html, re.S)
    assert match, slug
    return match.group(0)


def _board(html: str) -> list[str]:
    """The usernames on the leaderboard, best first."""
    return re.findall(r'<td class="who">.*?<a href="/u/[^"]+">([^<]+)</a>', html)


def _holders(html: str) -> list[str]:
    return re.findall(r'<li class="holder">.*?<a href="/u/[^"]+">([^<]+)</a>', html, re.S)


class _Meta(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list) -> None:
        values = dict(attrs)
        if tag == "meta" and (key := values.get("property") or values.get("name")):
            self.found[key] = values.get("content") or ""


# --- /badges


async def test_the_badges_page_lists_every_badge_by_level_with_its_holders(
    client, member, other_member
):
    first_post = await Badge.get(slug="first-post")
    await _award(first_post, member, "a")
    await _award(first_post, member, "a-again")  # the same member twice counts once
    await _award(first_post, other_member, "b")
    await Badge.create(slug="thanks", name="Team thanks", description="Helped at launch",
                       level="silver", rule="")  # fmt: skip
    html = (await client.get("/badges")).text
    assert "2 members hold it" in _item(html, "first-post")
    assert "0 members hold it" in _item(html, "guru")
    assert "Wrote a first post that others can read." in _item(html, "first-post")
    headings = re.findall(r"<h2>([^<]+)</h2>", html)
    assert headings == ["Bronze", "Silver", "Gold", "Granted by the community team"]
    # Granted badges come last, after every automatic one.
    assert html.index('href="/badges/guest-author"') < html.index('href="/badges/thanks"')
    assert "Team thanks" in _item(html, "thanks") and "Helped at launch" in html
    assert 'class="medal level-silver' in _item(html, "thanks")


async def test_automatic_badge_names_are_shown_in_the_readers_language(client, database):
    html = (await client.get("/badges", headers={"accept-language": "tr"})).text
    assert "İlk gönderi" in _item(html, "first-post") and ">First post<" not in html


async def test_a_granted_badge_with_an_expired_award_is_not_counted_or_listed(
    client, member, other_member
):
    badge = await Badge.create(slug="champion-2025", name="Champion 2025", level="gold", rule="")
    await _award(badge, member, "old", expires_at=NOW - timedelta(days=1))
    await _award(badge, other_member, "current", expires_at=NOW + timedelta(days=30))
    assert "1 member holds it" in _item((await client.get("/badges")).text, "champion-2025")
    page = (await client.get("/badges/champion-2025")).text
    assert _holders(page) == ["boris"]


async def test_suspended_members_are_not_counted_as_holders(client, member, other_member):
    badge = await Badge.get(slug="first-post")
    await _award(badge, member, "a")
    await _award(badge, other_member, "b")
    await User.filter(id=other_member.id).update(suspended_at=NOW)
    assert "1 member holds it" in _item((await client.get("/badges")).text, "first-post")
    assert _holders((await client.get("/badges/first-post")).text) == ["ana"]


# --- /badges/<slug>


async def test_a_badge_page_lists_its_holders_newest_first_with_the_reason(client, member):
    manager = await make_user("boss", role="manager")
    badge = await Badge.create(slug="launch", name="Launch crew", description="Was there",
                               level="gold", rule="")  # fmt: skip
    early = await make_user("early")
    await service.award(badge, early.id, "test:early", NOW - timedelta(days=3),
                        reason="Tested the beta", granted_by=manager.id)  # fmt: skip
    await service.award(badge, member.id, "test:ana", NOW - timedelta(hours=1),
                        reason="Wrote the guide", granted_by=manager.id)  # fmt: skip
    response = await client.get("/badges/launch")
    assert response.status_code == 200
    html = response.text
    assert "<h1>Launch crew</h1>" in html and "Was there" in html
    assert "Granted by the community team" in html and "2 members hold it" in html
    assert _holders(html) == ["ana", "early"]
    assert 'href="/u/ana"' in html and "Wrote the guide" in html and "Tested the beta" in html
    assert 'class="medal level-gold large"' in html


async def test_an_automatic_badge_page_does_not_show_award_reasons(client, member):
    await service.award(await Badge.get(slug="first-post"), member.id, "test:r", NOW,
                        reason="internal note")  # fmt: skip
    html = (await client.get("/badges/first-post")).text
    assert "Earned automatically" in html and _holders(html) == ["ana"]
    assert "internal note" not in html


async def test_holders_come_a_page_at_a_time(client, database, monkeypatch):
    monkeypatch.setattr(board, "HOLDERS_PER_PAGE", 2)
    badge = await Badge.get(slug="first-post")
    for number in range(5):
        user = await make_user(f"holder{number}")
        await service.award(badge, user.id, f"test:{number}", NOW - timedelta(days=10 - number))
    first = (await client.get("/badges/first-post")).text
    assert _holders(first) == ["holder4", "holder3"]
    assert 'href="/badges/first-post?page=3"' in first and "5 members hold it" in first
    assert _holders((await client.get("/badges/first-post?page=3")).text) == ["holder0"]
    assert (await client.get("/badges/first-post?page=4")).status_code == 404


async def test_a_badge_page_carries_a_social_preview_with_absolute_addresses(
    client, database, monkeypatch
):
    monkeypatch.setattr(settings, "base_url", "https://community.example.com")
    parser = _Meta()
    parser.feed((await client.get("/badges/guru")).text)
    meta = parser.found
    assert meta["og:title"] == "Guru"
    assert meta["og:description"] == "200 answers accepted as solutions."
    assert meta["og:type"] == "website"
    assert meta["og:url"] == "https://community.example.com/badges/guru"
    assert meta["og:image"] == "https://community.example.com/badges/guru.png"
    assert meta["twitter:card"] == "summary_large_image"


async def test_an_unknown_badge_is_the_not_found_page(client, database):
    for url in ("/badges/no-such-badge", "/badges/no-such-badge.png"):
        response = await client.get(url)
        assert response.status_code == 404
    assert "Page not found" in (await client.get("/badges/no-such-badge")).text


# --- /badges/<slug>.png


def _png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and RGB rows of a PNG written with filter 0 on every row."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks = 8, {}
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        assert zlib.crc32(kind + body) == crc, kind
        chunks[kind] = chunks.get(kind, b"") + body
        position += 12 + length
    assert list(chunks)[0] == b"IHDR" and b"IEND" in chunks
    width, height, depth, colour_type = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour_type) == (8, 2)  # 8-bit RGB
    raw = zlib.decompress(chunks[b"IDAT"])
    stride = width * 3 + 1
    assert len(raw) == stride * height
    assert all(raw[i * stride] == 0 for i in range(height))
    return width, height, [raw[i * stride + 1 : (i + 1) * stride] for i in range(height)]


async def test_the_badge_picture_is_a_1200_by_630_png_in_brand_and_level_colours(client, database):
    await site.set_value("colour", "#112233")
    response = await client.get("/badges/guru.png")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.headers["cache-control"] == "public, max-age=86400"
    width, height, rows = _png_pixels(response.content)
    assert (width, height) == (1200, 630)
    assert rows[0][:3] == bytes.fromhex("112233")  # the corner: the brand colour
    centre = rows[height // 2 + 40][(width // 2) * 3 - 60 : (width // 2) * 3 - 57]
    assert centre == bytes.fromhex("d4af37")  # gold


async def test_the_badge_picture_answers_304_while_the_readers_copy_is_current(client, database):
    first = await client.get("/badges/first-post.png")
    etag = first.headers["etag"]
    again = await client.get("/badges/first-post.png", headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    other = await client.get("/badges/guru.png", headers={"if-none-match": etag})
    assert other.status_code == 200  # another badge, another picture
    await site.set_value("colour", "#aa0000")
    changed = await client.get("/badges/first-post.png", headers={"if-none-match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


# --- /advocates


async def test_the_leaderboard_ranks_members_by_the_points_of_the_period(client, database):
    recent, steady, old = (
        await make_user("recent"),
        await make_user("steady"),
        await make_user("old"),
    )
    await _points(recent, 40, days_ago=2)
    await _points(steady, 30, days_ago=20)
    await _points(steady, 30, days_ago=200)
    await _points(old, 500, days_ago=400)
    assert _board((await client.get("/advocates")).text) == ["recent", "steady"]  # 30 days
    assert _board((await client.get("/advocates?period=week")).text) == ["recent"]
    assert _board((await client.get("/advocates?period=year")).text) == ["steady", "recent"]
    assert _board((await client.get("/advocates?period=all")).text) == ["old", "steady", "recent"]
    assert (await client.get("/advocates?period=decade")).status_code == 404


async def test_the_category_filter_counts_only_points_earned_there(client, database):
    hardware = await make_category(name="Hardware")
    ana, boris = await make_user("ana"), await make_user("boris")
    await _points(ana, 50, days_ago=1)
    await _points(boris, 10, days_ago=1, category=hardware)
    await _points(boris, 5, days_ago=100, category=hardware)
    assert _board((await client.get("/advocates")).text) == ["ana", "boris"]
    page = (await client.get(f"/advocates?category={hardware.slug}")).text
    assert _board(page) == ["boris"] and ">15<" not in page and ">10<" in page
    assert f'<option value="{hardware.slug}" selected>' in page
    everything = await client.get(f"/advocates?period=all&category={hardware.slug}")
    assert _board(everything.text) == ["boris"] and ">15<" in everything.text
    assert (await client.get("/advocates?category=nowhere")).status_code == 404


async def test_opted_out_suspended_and_pointless_members_are_not_on_the_board(client, database):
    shown, hidden, suspended = (
        await make_user("shown"),
        await make_user("shy"),
        await make_user("out"),
    )
    served, negative = await make_user("served"), await make_user("negative")
    for user in (shown, hidden, suspended, served):
        await _points(user, 20, days_ago=1)
    await _points(negative, 10, days_ago=1)
    await _points(negative, -15, days_ago=0.5)
    await Standing.filter(user_id=hidden.id).update(hidden_from_board=True)
    await User.filter(id=suspended.id).update(suspended_at=NOW)
    # A suspension that has run out no longer hides the member.
    await User.filter(id=served.id).update(suspended_at=NOW - timedelta(days=9),
                                           suspended_until=NOW - timedelta(days=2))  # fmt: skip
    for period in ("month", "all"):
        names = _board((await client.get(f"/advocates?period={period}")).text)
        assert sorted(names) == ["served", "shown"], period


async def test_each_row_shows_rank_tier_badges_answers_and_points(client, member, other_member):
    await _points(member, 120, days_ago=1)
    await _points(other_member, 120, days_ago=1)
    third = await make_user("third")
    await _points(third, 30, days_ago=1)
    await Standing.filter(user_id=member.id).update(accepted_answers=7)
    await _award(await Badge.get(slug="first-post"), member, "1")
    await _award(await Badge.get(slug="first-post"), member, "2")  # one badge, awarded twice
    await _award(await Badge.get(slug="helper"), member, "3")
    html = (await client.get("/advocates")).text
    rows = re.findall(r"<tr[^>]*>\s*<td class=\"rank\">.*?</tr>", html, re.S)
    first = rows[0]
    assert '<td class="rank">1</td>' in first and 'href="/u/ana"' in first
    assert '<span class="tier tier-member">Member</span>' in first
    assert 'data-label="Badges">2<' in first
    assert 'data-label="Accepted answers">7<' in first
    assert 'data-label="Points">120<' in first
    assert '<td class="rank">1</td>' in rows[1]  # the same points share a rank
    assert '<td class="rank">3</td>' in rows[2]


async def test_the_signed_in_members_own_row_is_marked(client, member):
    await _points(member, 10)
    await login(client, member)
    assert '<tr class="me">' in (await client.get("/advocates")).text


async def test_the_leaderboard_reads_a_fixed_number_of_queries(client, database):
    async def queries(period: str) -> int:
        await client.get(f"/advocates?period={period}")  # settings cached, as in a warm server
        with count_queries() as statements:
            response = await client.get(f"/advocates?period={period}")
        assert response.status_code == 200
        return len(statements)

    async def members(count: int) -> None:
        for _ in range(count):
            user = await make_user()
            await _points(user, 10 + _, days_ago=1)
            await _award(await Badge.get(slug="first-post"), user, f"q{user.id}")

    await members(3)
    few = {period: await queries(period) for period in ("month", "all")}
    await members(27)
    many = {period: await queries(period) for period in ("month", "all")}
    assert few == many
    assert many["month"] <= 6


async def test_a_member_features_a_badge_and_leaves_the_leaderboard(client, member):
    await make_thread(member)  # a first post: a badge to feature
    badge = await Badge.get(slug="first-post")
    await login(client, member)
    page = (await client.get("/settings/recognition")).text
    assert f'<option value="{badge.id}">First post</option>' in page
    response = await submit(client, "/settings/recognition", {"featured": str(badge.id)})
    assert response.status_code == 303
    row = await service.standing(member.id)
    assert row.featured_badge_id == badge.id and row.hidden_from_board
    assert "Featured badge:" in (await client.get("/u/ana")).text
    other = await Badge.get(slug="guru")
    refused = await submit(client, "/settings/recognition",
                           {"featured": str(other.id), "on_board": "1"})  # fmt: skip
    assert refused.status_code == 400
    assert "Choose one of your badges." in refused.text
