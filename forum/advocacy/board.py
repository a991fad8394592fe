"""What the public recognition pages read: the badges and who holds them, the leaderboard, and
the picture a shared badge page shows in social previews.

Every function here reads a fixed number of queries, whatever the number of rows. Members who
are suspended are left out everywhere; members who opted out are left off the leaderboard only.
"""

from __future__ import annotations

import hashlib
import re
import struct
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from tortoise.expressions import Q, Subquery
from tortoise.functions import Count, Max, Sum

from forum.accounts.models import User
from forum.advocacy import service
from forum.advocacy.models import LEVELS, Badge, BadgeAward, PointEntry, Standing
from forum.threads.models import Category

# ?period= on the leaderboard: how many days back it counts (None: since the beginning).
PERIODS: dict[str, int | None] = {"week": 7, "month": 30, "year": 365, "all": None}
DEFAULT_PERIOD = "month"
BOARD_SIZE = 50
HOLDERS_PER_PAGE = 50
LEVEL_COLOURS = {"bronze": "#cd7f32", "silver": "#c0c0c0", "gold": "#d4af37"}
# Automatic badges in the order the service declares them (easiest first within a level).
_RULE_ORDER = {badge.rule: index for index, badge in enumerate(service.AUTO_BADGES)}


def _now() -> datetime:
    return datetime.now(UTC)


def _shown(moment: datetime, prefix: str = "") -> Q:
    """An award still shown: it has no end, or its end is still to come."""
    return Q(**{f"{prefix}expires_at__isnull": True}) | Q(**{f"{prefix}expires_at__gt": moment})


def _not_suspended(moment: datetime, prefix: str = "user__") -> Q:
    """A member in good standing (the same rule as `User.is_active`), approved by staff."""
    return Q(**{f"{prefix}pending": False}) & (
        Q(**{f"{prefix}suspended_at__isnull": True})
        | Q(**{f"{prefix}suspended_until__lte": moment})
    )


def _level_rank(level: str) -> int:
    return LEVELS.index(level) if level in LEVELS else len(LEVELS)


# --- Badges


@dataclass
class Catalogue:
    # level -> the automatic badges of that level; then the badges the manager grants.
    automatic: dict[str, list[Badge]]
    granted: list[Badge]
    # badge id -> how many members hold it now.
    holders: dict[int, int]


async def catalogue() -> Catalogue:
    """Every badge, automatic ones by level, with how many members hold each (two queries)."""
    moment = _now()
    badges = await Badge.all()
    counts = (
        await BadgeAward.filter(_shown(moment), _not_suspended(moment))
        .annotate(members=Count("user_id", distinct=True))
        .group_by("badge_id")
        .values_list("badge_id", "members")
    )
    automatic: dict[str, list[Badge]] = {level: [] for level in LEVELS}
    for badge in sorted((b for b in badges if b.rule), key=lambda b: _RULE_ORDER.get(b.rule, 99)):
        automatic.setdefault(badge.level, []).append(badge)
    granted = sorted(
        (b for b in badges if not b.rule),
        key=lambda b: (_level_rank(b.level), service.badge_name(b).casefold(), b.id),
    )
    return Catalogue(automatic=automatic, granted=granted, holders=dict(counts))


async def badge_by_slug(slug: str) -> Badge | None:
    return await Badge.filter(slug=slug).first()


@dataclass
class Holder:
    user: User
    # The member's latest award of the badge (an anniversary comes once a year).
    awarded_at: datetime
    reason: str
    times: int


async def holder_count(badge: Badge) -> int:
    moment = _now()
    counts = (
        await BadgeAward.filter(_shown(moment), _not_suspended(moment), badge_id=badge.id)
        .annotate(members=Count("user_id", distinct=True))
        .group_by("badge_id")
        .values_list("members", flat=True)
    )
    return int(counts[0]) if counts else 0


async def holders(badge: Badge, page: int) -> list[Holder]:
    """One page of the badge's holders, the most recently awarded first (two queries)."""
    moment = _now()
    rows = (
        await BadgeAward.filter(_shown(moment), _not_suspended(moment), badge_id=badge.id)
        .annotate(latest=Max("awarded_at"), times=Count("id"))
        .group_by("user_id")
        .order_by("-latest", "-user_id")
        .offset((page - 1) * HOLDERS_PER_PAGE)
        .limit(HOLDERS_PER_PAGE)
        .values("user_id", "latest", "times")
    )
    if not rows:
        return []
    awards = await BadgeAward.filter(
        _shown(moment), badge_id=badge.id, user_id__in=[row["user_id"] for row in rows]
    ).select_related("user")
    latest: dict[int, BadgeAward] = {}
    for award in sorted(awards, key=lambda a: (a.awarded_at, a.id)):
        latest[award.user_id] = award
    found = []
    for row in rows:
        if award := latest.get(row["user_id"]):
            found.append(Holder(award.user, award.awarded_at, award.reason, row["times"]))
    return found


# --- The leaderboard


@dataclass
class BoardRow:
    rank: int
    user: User
    tier_key: str
    tier_name: str
    badges: int
    accepted_answers: int
    points: int


async def leaderboard(period: str, category: Category | None = None) -> list[BoardRow]:
    """The members who earned the most points in the period (and category), best first; members
    who opted out, suspended members and those with nothing earned are not shown. Equal totals
    share a rank. Four queries, whatever the number of rows."""
    moment = _now()
    days = PERIODS[period]
    if days is None and category is None:
        # Since the beginning, everywhere: each member's total is kept on their standing.
        top = (
            await Standing.filter(_not_suspended(moment), points__gt=0, hidden_from_board=False)
            .order_by("-points", "user_id")
            .limit(BOARD_SIZE)
            .values_list("user_id", "points")
        )
    else:
        entries = PointEntry.filter(
            _not_suspended(moment),
            user_id__not_in=Subquery(Standing.filter(hidden_from_board=True).values("user_id")),
        )
        if days is not None:
            entries = entries.filter(created_at__gte=moment - timedelta(days=days))
        if category is not None:
            entries = entries.filter(category_id=category.id)
        top = (
            await entries.annotate(total=Sum("points"))
            .group_by("user_id")
            .filter(total__gt=0)
            .order_by("-total", "user_id")
            .limit(BOARD_SIZE)
            .values_list("user_id", "total")
        )
    if not top:
        return []
    ids = [user_id for user_id, _points in top]
    users = {user.id: user for user in await User.filter(id__in=ids)}
    standings = await service.standings(ids)
    badges = dict(
        await BadgeAward.filter(_shown(moment), user_id__in=ids)
        .annotate(badges=Count("badge_id", distinct=True))
        .group_by("user_id")
        .values_list("user_id", "badges")
    )
    rows: list[BoardRow] = []
    for position, (user_id, points) in enumerate(top, start=1):
        if user_id not in users:
            continue
        standing = standings.get(user_id)
        tier = await service.tier_of(standing)
        rank = rows[-1].rank if rows and rows[-1].points == points else position
        rows.append(
            BoardRow(
                rank=rank,
                user=users[user_id],
                tier_key=tier["key"],
                tier_name=service.tier_label(tier),
                badges=badges.get(user_id, 0),
                accepted_answers=standing.accepted_answers if standing else 0,
                points=int(points),
            )
        )
    return rows


# --- The picture in social previews: a medal on the community's colour, as a PNG

IMAGE_WIDTH, IMAGE_HEIGHT = 1200, 630
# Bump when the drawing changes, so caches fetch the new picture.
DRAWING_VERSION = "1"
_HEX = re.compile(r"^#?([0-9a-fA-F]{6})$")
DEFAULT_COLOUR = "#2f5d8a"


def _rgb(colour: str) -> tuple[int, int, int]:
    match = _HEX.match(colour.strip()) or _HEX.match(DEFAULT_COLOUR)
    assert match
    value = int(match.group(1), 16)
    return value >> 16, (value >> 8) & 0xFF, value & 0xFF


def _mix(colour: tuple[int, int, int], towards: int, amount: float) -> bytes:
    """The colour moved `amount` of the way to white (255) or black (0), as one RGB pixel."""
    return bytes(round(c + (towards - c) * amount) for c in colour)


def image_etag(badge: Badge, colour: str) -> str:
    source = f"{DRAWING_VERSION}:{badge.slug}:{badge.level}:{colour}".encode()
    return '"' + hashlib.sha256(source).hexdigest()[:32] + '"'


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def encode_png(width: int, height: int, rows: list[bytes]) -> bytes:
    """A truecolour PNG from RGB rows (each `width * 3` bytes), every row unfiltered."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    raw = b"".join(b"\x00" + row for row in rows)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, 9))
        + _chunk(b"IEND", b"")
    )


def _span(row: bytearray, centre: int, half: float, pixel: bytes) -> None:
    """Paint the pixels within `half` of `centre` on one row."""
    start = max(0, round(centre - half))
    end = min(len(row) // 3, round(centre + half))
    if end > start:
        row[start * 3 : end * 3] = pixel * (end - start)


@lru_cache(maxsize=64)
def medal_png(colour: str, level: str) -> bytes:
    """1200×630: the brand colour, a ribbon, and a large medal in the level's colour with a
    lighter ring (no text: the page's title travels with the link)."""
    background = _rgb(colour)
    metal = _rgb(LEVEL_COLOURS.get(level, LEVEL_COLOURS["bronze"]))
    paint = {
        "background": bytes(background),
        "ribbon": _mix(background, 255, 0.25),
        "ribbon_edge": _mix(background, 0, 0.25),
        "ring": _mix(metal, 255, 0.45),
        "metal": bytes(metal),
        "line": _mix(metal, 0, 0.2),
    }
    cx, cy = IMAGE_WIDTH // 2, IMAGE_HEIGHT // 2 + 40
    # Circles, largest first: the light ring, the metal, and a darker line inside the metal.
    circles = ((220, "ring"), (180, "metal"), (150, "line"), (140, "metal"))
    rows = []
    for y in range(IMAGE_HEIGHT):
        row = bytearray(paint["background"] * IMAGE_WIDTH)
        if y < cy:
            # Two ribbon bands meeting behind the medal, in lighter and darker brand colour.
            slant = (cy - y) * 0.45
            _span(row, cx - round(slant) - 60, 70, paint["ribbon_edge"])
            _span(row, cx + round(slant) + 60, 70, paint["ribbon"])
        dy = abs(y - cy) + 0.5
        for radius, name in circles:
            if dy < radius:
                _span(row, cx, (radius * radius - dy * dy) ** 0.5, paint[name])
        rows.append(bytes(row))
    return encode_png(IMAGE_WIDTH, IMAGE_HEIGHT, rows)


def brand_colour(site: dict[str, Any]) -> str:
    """The colour the picture is drawn on: the site's, or the default when it is not #rrggbb."""
    colour = site.get("colour", "").strip().lower()
    return colour if _HEX.match(colour) else DEFAULT_COLOUR
