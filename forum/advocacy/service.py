"""Recognition rules: points from a ledger, tiers from points and activity, badges.

Every change of points is a `PointEntry` row with a unique key made from the event that caused
it, so running a listener twice, or replaying the whole activity log (`run.py
recompute-recognition`), books exactly the same rows. A member's `Standing` (points, accepted
answers, tier) is kept in step with the ledger so pages read one row, never a sum.
"""

from __future__ import annotations

import contextvars
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tortoise.expressions import F
from tortoise.functions import Sum
from tortoise.transactions import in_transaction

from forum import db
from forum.accounts.models import User
from forum.advocacy.models import Badge, BadgeAward, PointEntry, Standing
from forum.forms import Invalid, required_length
from forum.i18n import gettext as _
from forum.site import models as site

# Points for each kind of contribution; the manager changes them at /admin/recognition.
WEIGHTS = {
    "reply": 2, "thread": 5, "like_received": 2, "like_given": 1, "accepted": 15,
    "idea_done": 10, "guest_post": 50, "flag_upheld": 5,
}  # fmt: skip
LIKE_REASONS = ("like_received", "like_given")
# Points from likes a member can earn in a day (received and given together).
LIKES_DAILY_CAP = 50
# Days below a tier's threshold before a member is moved down, so a tier does not flicker.
DEMOTION_GRACE_DAYS = 14

# Five tiers, lowest first: a fixed key (what other features ask, e.g. "advocate"), and the
# points and weeks active (of the last 12) it takes. Names are the manager's to change.
TIER_KEYS = ("newcomer", "member", "regular", "advocate", "champion")
TIERS = (
    {"key": "newcomer", "name": "", "points": 0, "weeks": 0},
    {"key": "member", "name": "", "points": 20, "weeks": 1},
    {"key": "regular", "name": "", "points": 100, "weeks": 4},
    {"key": "advocate", "name": "", "points": 300, "weeks": 6},
    {"key": "champion", "name": "", "points": 1000, "weeks": 8},
)
ADVOCATE_TIERS = ("advocate", "champion")
# True while the activity log is replayed: members were told the first time.
replaying: contextvars.ContextVar[bool] = contextvars.ContextVar("replaying", default=False)
ACTIVE_WEEKS_WINDOW = 12


def now() -> datetime:
    return datetime.now(UTC)


# --- The manager's settings


@dataclass
class Rules:
    weights: dict[str, int]
    likes_daily_cap: int
    grace_days: int
    tiers: list[dict[str, Any]]


async def rules() -> Rules:
    """The recognition settings, defaults filled in (cached with the site settings)."""
    stored = json.loads((await site.get_all()).get("recognition") or "{}")
    weights = {**WEIGHTS, **stored.get("weights", {})}
    tiers = [dict(tier) for tier in TIERS]
    for tier, saved in zip(tiers, stored.get("tiers", []), strict=False):
        tier.update({k: saved[k] for k in ("name", "points", "weeks") if k in saved})
    return Rules(
        weights=weights,
        likes_daily_cap=stored.get("likes_daily_cap", LIKES_DAILY_CAP),
        grace_days=stored.get("grace_days", DEMOTION_GRACE_DAYS),
        tiers=tiers,
    )


def tier_label(tier: dict[str, Any]) -> str:
    """A tier's name: the manager's, else the default in the reader's language."""
    defaults = {
        "newcomer": _("Newcomer"), "member": _("Member"), "regular": _("Regular"),
        "advocate": _("Advocate"), "champion": _("Champion"),
    }  # fmt: skip
    return tier["name"] or defaults[tier["key"]]


def _number(errors: dict[str, str], form: dict[str, str], name: str, most: int) -> int:
    value = form.get(name, "").strip()
    if not value.lstrip("-").isdigit() or not 0 <= int(value) <= most:
        errors[name] = _("Enter a number from 0 to %(most)d.") % {"most": most}
        return 0
    return int(value)


async def update_rules(form: dict[str, str]) -> None:
    """Save the weights, the like cap, the grace period and the tiers from the manager's form.
    Tiers must rise: each needs at least the points of the one below it."""
    errors: dict[str, str] = {}
    weights = {name: _number(errors, form, f"weight_{name}", 1000) for name in WEIGHTS}
    cap = _number(errors, form, "likes_daily_cap", 10000)
    grace = _number(errors, form, "grace_days", 365)
    tiers = []
    for index, key in enumerate(TIER_KEYS):
        name = " ".join(form.get(f"tier_{key}_name", "").split())
        if len(name) > 40:
            errors[f"tier_{key}_name"] = _("Use at most %(n)d characters.") % {"n": 40}
        points = 0 if index == 0 else _number(errors, form, f"tier_{key}_points", 1_000_000)
        weeks = 0 if index == 0 else _number(errors, form, f"tier_{key}_weeks", ACTIVE_WEEKS_WINDOW)
        if tiers and points < tiers[-1]["points"]:
            errors[f"tier_{key}_points"] = _("Needs at least the points of the tier below.")
        tiers.append({"key": key, "name": name, "points": points, "weeks": weeks})
    if errors:
        raise Invalid(errors)
    await site.set_value("recognition", json.dumps({
        "weights": weights, "likes_daily_cap": cap, "grace_days": grace, "tiers": tiers,
    }))  # fmt: skip


# --- The ledger


async def standing(user_id: int) -> Standing:
    row, _created = await Standing.get_or_create(user_id=user_id)
    return row


async def standings(user_ids: list[int]) -> dict[int, Standing]:
    """Standings of several members in one query (for a page of posts)."""
    if not user_ids:
        return {}
    return {row.user_id: row for row in await Standing.filter(user_id__in=list(set(user_ids)))}


async def book(
    user_id: int, points: int, reason: str, key: str, at: datetime, **source: Any
) -> PointEntry | None:
    """Add a ledger row and move the member's total; nothing when the key is booked already."""
    if await PointEntry.exists(key=key):
        return None
    entry = await PointEntry.create(
        user_id=user_id, points=points, reason=reason, key=key[:120], created_at=at, **source
    )
    row = await standing(user_id)
    if points:
        await Standing.filter(id=row.id).update(points=F("points") + points)
        row.points += points
        await settle_tier(row, at)
    return entry


async def likes_booked_on(user_id: int, day: datetime) -> int:
    start = day.replace(hour=0, minute=0, second=0, microsecond=0)
    total = await PointEntry.filter(
        user_id=user_id, reason__in=LIKE_REASONS, created_at__gte=start,
        created_at__lt=start + timedelta(days=1),
    ).annotate(total=Sum("points")).values_list("total", flat=True)  # fmt: skip
    return int(total[0] or 0) if total else 0


async def book_like_points(
    user_id: int, reason: str, key: str, at: datetime, **source: Any
) -> None:
    """Like points within the daily cap: past it, the like is booked at 0 (so it cannot be
    counted later by liking again)."""
    rule = await rules()
    room = max(0, rule.likes_daily_cap - await likes_booked_on(user_id, at))
    points = min(rule.weights[reason], room)
    note = "" if points == rule.weights[reason] else "daily cap"
    await book(user_id, points, reason, key, at, note=note, **source)


async def take_back(post_id: int, key: str, at: datetime) -> None:
    """A post was removed: every member it earned points for (its author, its likers, the
    answer's author) loses what it still holds."""
    nets = await _nets(post_id)
    for user_id, net in nets.items():
        if net:
            await book(user_id, -net, "taken_back", f"{key}:{user_id}", at, post_id=post_id)


async def give_back(post_id: int, key: str, at: datetime) -> None:
    """A removed post came back: what it earned counts again."""
    earned = await _nets(post_id, original_only=True)
    current = await _nets(post_id)
    for user_id, total in earned.items():
        owed = total - current.get(user_id, 0)
        if owed:
            await book(user_id, owed, "given_back", f"{key}:{user_id}", at, post_id=post_id)


async def _nets(post_id: int, original_only: bool = False) -> dict[int, int]:
    rows = PointEntry.filter(post_id=post_id)
    if original_only:
        rows = rows.exclude(reason__in=("taken_back", "given_back"))
    totals: dict[int, int] = {}
    for user_id, points in await rows.values_list("user_id", "points"):
        totals[user_id] = totals.get(user_id, 0) + points
    return totals


async def adjust(user: User, actor: User, points: str, reason: str) -> None:
    """A manager's manual change of a member's points, with a reason (audited)."""
    from forum import events
    from forum.moderation.service import audit

    reason = required_length("reason", reason, minimum=3, maximum=300, label=_("Reason"))
    value = points.strip()
    if not value.lstrip("-").isdigit() or not 0 < abs(int(value)) <= 10000:
        raise Invalid({"points": _("Enter a number of points, e.g. 20 or -20.")})
    async with in_transaction():
        await events.record(events.PointsAdjusted(
            actor_id=actor.id, user_id=user.id, points=int(value), reason=reason))  # fmt: skip
        await audit(actor, "adjust_points", user, f"{int(value):+d}: {reason}")


async def history(user: User, limit: int = 50) -> list[PointEntry]:
    """The member's itemised points, newest first (rows at 0 points are not shown)."""
    return await (
        PointEntry.filter(user_id=user.id).exclude(points=0).order_by("-created_at", "-id")
        .limit(limit)
    )  # fmt: skip


# --- Tiers


async def active_weeks(user_id: int, at: datetime) -> int:
    """Of the last 12 weeks before `at`, in how many the member earned points."""
    since = at - timedelta(weeks=ACTIVE_WEEKS_WINDOW)
    rows = await db.fetch(
        f"SELECT DISTINCT {db.day('created_at')} AS day FROM point_entry"
        " WHERE user_id = ? AND points > 0 AND created_at >= ? AND created_at <= ?",
        user_id, since, at,
    )  # fmt: skip
    return len({date.fromisoformat(row["day"]).isocalendar()[:2] for row in rows})


async def deserved_tier(row: Standing, at: datetime) -> dict[str, Any]:
    """The highest tier whose points and activity the member meets."""
    tiers = (await rules()).tiers
    reachable = [tier for tier in tiers if row.points >= tier["points"]]
    weeks = None
    for tier in reversed(reachable):
        if tier["weeks"] == 0:
            return tier
        weeks = weeks if weeks is not None else await active_weeks(row.user_id, at)
        if weeks >= tier["weeks"]:
            return tier
    return tiers[0]


async def settle_tier(row: Standing, at: datetime) -> None:
    """Promote at once; below the current tier, start (or keep) the grace period instead."""
    deserved = (await deserved_tier(row, at))["key"]
    current = row.tier or "newcomer"
    if TIER_KEYS.index(deserved) > TIER_KEYS.index(current) or not row.tier:
        await _set_tier(row, deserved, at)
    elif TIER_KEYS.index(deserved) < TIER_KEYS.index(current):
        if row.below_since is None:
            row.below_since = at
            await Standing.filter(id=row.id).update(below_since=at)
    elif row.below_since is not None:
        row.below_since = None
        await Standing.filter(id=row.id).update(below_since=None)


async def _set_tier(row: Standing, tier: str, at: datetime) -> None:
    row.tier, row.tier_since, row.below_since = tier, at, None
    await Standing.filter(id=row.id).update(tier=tier, tier_since=at, below_since=None)


async def demote_after_grace(at: datetime | None = None) -> int:
    """Move down the members who stayed below their tier for the whole grace period."""
    at = at or now()
    grace = timedelta(days=(await rules()).grace_days)
    moved = 0
    for row in await Standing.filter(below_since__lte=at - grace):
        deserved = (await deserved_tier(row, at))["key"]
        if TIER_KEYS.index(deserved) < TIER_KEYS.index(row.tier or "newcomer"):
            await _set_tier(row, deserved, at)
            moved += 1
        else:
            await Standing.filter(id=row.id).update(below_since=None)
    return moved


async def tier_of(row: Standing | None) -> dict[str, Any]:
    tiers = {tier["key"]: tier for tier in (await rules()).tiers}
    return tiers[(row.tier if row else "") or "newcomer"]


async def is_advocate(user: Any) -> bool:
    """Advocate or Champion: who may pitch guest posts and whom the brand invites."""
    row = await Standing.filter(user_id=user.id).first()
    return bool(row and row.tier in ADVOCATE_TIERS)


# --- Badges


async def badges_of(user_id: int) -> list[BadgeAward]:
    """The member's awards still shown (not expired), newest first."""
    moment = now()
    awards = (
        await BadgeAward.filter(user_id=user_id).order_by("-awarded_at").select_related("badge")
    )
    return [a for a in awards if a.expires_at is None or a.expires_at > moment]


async def badge_by_rule(rule: str) -> Badge | None:
    return await Badge.filter(rule=rule).first()


@dataclass(frozen=True)
class AutoBadge:
    rule: str
    slug: str
    level: str
    name: str
    description: str


# Marked with a no-op so the catalogs carry them; shown through gettext in the reader's language.
def N_(text: str) -> str:  # noqa: N802 - the gettext convention for "translate later"
    return text


AUTO_BADGES = (
    AutoBadge("first_post", "first-post", "bronze", N_("First post"),
              N_("Wrote a first post that others can read.")),
    AutoBadge("first_like", "first-like", "bronze", N_("First like"),
              N_("Liked another member's post for the first time.")),
    AutoBadge("first_solution", "first-solution", "bronze", N_("First solution"),
              N_("Wrote an answer that solved someone's question.")),
    AutoBadge("likes_10", "nice-post", "bronze", N_("Nice post"),
              N_("A post liked by 10 members.")),
    AutoBadge("likes_25", "good-post", "silver", N_("Good post"),
              N_("A post liked by 25 members.")),
    AutoBadge("likes_50", "great-post", "gold", N_("Great post"),
              N_("A post liked by 50 members.")),
    AutoBadge("accepted_10", "helper", "bronze", N_("Helper"),
              N_("10 answers accepted as solutions.")),
    AutoBadge("accepted_50", "expert", "silver", N_("Expert"),
              N_("50 answers accepted as solutions.")),
    AutoBadge("accepted_200", "guru", "gold", N_("Guru"),
              N_("200 answers accepted as solutions.")),
    AutoBadge("streak_4", "helpful-month", "bronze", N_("Helpful month"),
              N_("An accepted answer every week for 4 weeks in a row.")),
    AutoBadge("streak_12", "helpful-quarter", "silver", N_("Helpful quarter"),
              N_("An accepted answer every week for 12 weeks in a row.")),
    AutoBadge("streak_26", "helpful-half-year", "gold", N_("Helpful half-year"),
              N_("An accepted answer every week for 26 weeks in a row.")),
    AutoBadge("welcome", "welcome", "bronze", N_("Welcome completed"),
              N_("Filled in a profile and chose the categories to follow.")),
    AutoBadge("anniversary", "anniversary", "silver", N_("Anniversary"),
              N_("A member for another year.")),
    AutoBadge("guest_author", "guest-author", "gold", N_("Guest author"),
              N_("Wrote a guest post published on the brand's blog.")),
)  # fmt: skip
LIKE_BADGES = ((10, "likes_10"), (25, "likes_25"), (50, "likes_50"))
ACCEPTED_BADGES = ((10, "accepted_10"), (50, "accepted_50"), (200, "accepted_200"))
STREAK_BADGES = ((4, "streak_4"), (12, "streak_12"), (26, "streak_26"))


async def ensure_badges() -> None:
    """The automatic badges exist (a new database, or a release that adds one)."""
    have = set(await Badge.filter(rule__not="").values_list("rule", flat=True))
    for badge in AUTO_BADGES:
        if badge.rule not in have:
            await Badge.create(slug=badge.slug, name=badge.name, description=badge.description,
                               level=badge.level, rule=badge.rule)  # fmt: skip


def badge_name(badge: Badge) -> str:
    """An automatic badge's name in the reader's language; a granted one as the manager wrote."""
    return _(badge.name) if badge.rule else badge.name


def badge_description(badge: Badge) -> str:
    return _(badge.description) if badge.rule and badge.description else badge.description


async def award(
    badge: Badge | None,
    user_id: int,
    key: str,
    at: datetime,
    *,
    reason: str = "",
    granted_by: int | None = None,
    expires_at: datetime | None = None,
) -> BadgeAward | None:
    """Give a badge once per key, and tell the member."""
    if badge is None or await BadgeAward.exists(key=key):
        return None
    from forum.notifications import service as notifications

    row = await BadgeAward.create(
        badge=badge, user_id=user_id, key=key[:120], reason=reason[:300],
        granted_by_id=granted_by, awarded_at=at, expires_at=expires_at,
    )  # fmt: skip
    if not replaying.get():
        await notifications.notify({user_id: "badge"}, actor_id=granted_by, text=badge.name,
                                   url=f"/badges/{badge.slug}")  # fmt: skip
    return row


async def award_by_rule(rule: str, user_id: int, key: str, at: datetime) -> BadgeAward | None:
    return await award(await badge_by_rule(rule), user_id, key, at)


# --- Rebuilding from the activity log


async def recompute() -> int:
    """Forget every point, standing and award, and replay the whole activity log through
    recognition's listeners (the manager's adjustments and granted badges are events too).
    Members' own choices (featured badge, leaderboard opt-out) are kept. Returns the events
    replayed."""
    from forum import events
    from forum.advocacy import listeners

    choices = {
        row.user_id: (row.featured_badge_id, row.hidden_from_board) for row in await Standing.all()
    }
    token = replaying.set(True)
    replayed = 0
    try:
        async with in_transaction():
            await BadgeAward.all().delete()
            await PointEntry.all().delete()
            await Standing.all().delete()
            last = 0
            while batch := await events.Event.filter(id__gt=last).order_by("id").limit(1000):
                for row in batch:
                    event = events.parse(row)
                    if event is not None:
                        await events.dispatch(event, row, only=listeners)
                        replayed += 1
                last = batch[-1].id
            for user_id, (featured, hidden) in choices.items():
                row = await standing(user_id)
                await Standing.filter(id=row.id).update(
                    featured_badge_id=featured, hidden_from_board=hidden
                )
            await demote_after_grace()
    finally:
        replaying.reset(token)
    return replayed
