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

from tortoise.functions import Count, Sum
from tortoise.transactions import in_transaction

from forum import db
from forum.accounts.models import User
from forum.advocacy.models import Badge, BadgeAward, PointEntry, Standing
from forum.forms import Invalid, integer, required_length
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
    value = integer(form.get(name, ""), 0, most)
    if value is None:
        errors[name] = _("Enter a number from 0 to %(most)d.") % {"most": most}
        return 0
    return value


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
    user_id: int, points: int, reason: str, key: str, at: datetime, *,
    thread_id: int | None = None, post_id: int | None = None, category_id: int | None = None,
    note: str = "",
) -> PointEntry | None:  # fmt: skip
    """Add a ledger row and move the member's total; nothing when the key is booked already.
    (A reply books one: each step here is one statement, inside the reply's write, and the
    model object is built only once the row is in, since building one costs as much.)"""
    key = key[:120]
    inserted = await db.fetch(
        "INSERT INTO point_entry (user_id, points, reason, key, created_at, thread_id, post_id,"
        " category_id, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (key) DO NOTHING RETURNING id",
        user_id, points, reason, key, at, thread_id, post_id, category_id, note,
    )  # fmt: skip
    if not inserted:
        return None
    entry = PointEntry(
        id=inserted[0]["id"], user_id=user_id, points=points, reason=reason, key=key,
        created_at=at, thread_id=thread_id, post_id=post_id, category_id=category_id, note=note,
    )  # fmt: skip
    if not points:
        await standing(user_id)
        return entry
    # One statement moves the total (starting the member's standing with their first points)
    # and reads back what settling the tier needs.
    [found] = await db.fetch(
        "INSERT INTO standing (user_id, points, accepted_answers, tier, hidden_from_board)"
        " VALUES (?, ?, 0, '', ?) ON CONFLICT (user_id)"
        " DO UPDATE SET points = standing.points + excluded.points"
        " RETURNING id, points, tier, below_since",
        user_id, points, False,
    )  # fmt: skip
    row = Standing(id=found["id"], user_id=user_id, points=found["points"], tier=found["tier"])
    # settle_tier only asks whether a grace period runs.
    row.below_since = at if found["below_since"] is not None else None
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
    value = integer(points, -10000, 10000)
    if not value:
        raise Invalid({"points": _("Enter a number of points, e.g. 20 or -20.")})
    async with in_transaction():
        await events.record(events.PointsAdjusted(
            actor_id=actor.id, user_id=user.id, points=value, reason=reason))  # fmt: skip
        await audit(actor, "adjust_points", user, f"{value:+d}: {reason}")


async def history(user: User, limit: int = 50) -> list[PointEntry]:
    """The member's itemised points, newest first (rows at 0 points are not shown). Each row
    carries `thread_title` when its thread is still public."""
    from forum.threads.models import Thread

    entries = await (
        PointEntry.filter(user_id=user.id).exclude(points=0).order_by("-created_at", "-id")
        .limit(limit)
    )  # fmt: skip
    ids = {entry.thread_id for entry in entries if entry.thread_id}
    titles = dict(
        await Thread.filter(id__in=ids, deleted_at__isnull=True, held=False).values_list(
            "id", "title"
        )
    ) if ids else {}  # fmt: skip
    for entry in entries:
        entry.thread_title = titles.get(entry.thread_id, "")
    return entries


def point_reason(entry: PointEntry) -> str:
    """What a ledger row was for, in the reader's language."""
    if entry.reason == "accepted":
        return _("answer accepted in") if entry.points > 0 else _("accepted answer withdrawn in")
    labels = {
        "reply": _("reply in"), "thread": _("new thread"), "like_received": _("like received in"),
        "like_given": _("like given in"), "flag_upheld": _("flag upheld by a moderator"),
        "taken_back": _("removed content no longer counts:"),
        "given_back": _("restored content counts again:"),
        "adjustment": _("adjusted by the community team"), "idea_done": _("idea done:"),
        "guest_post": _("guest post published:"),
    }  # fmt: skip
    return labels.get(entry.reason, entry.reason)


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
    await db.execute(
        "UPDATE standing SET tier = ?, tier_since = ?, below_since = NULL WHERE id = ?",
        tier, at, row.id,
    )  # fmt: skip


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


# Automatic badges are made once (ensure_badges) and never edited: read each rule's once.
_rule_badges: dict[str, Badge | None] = {}


async def badge_by_rule(rule: str) -> Badge | None:
    if rule not in _rule_badges:
        _rule_badges[rule] = await Badge.filter(rule=rule).first()
    return _rule_badges[rule]


def forget_badges() -> None:
    """Drop the badges read (tests start each from a new database)."""
    _rule_badges.clear()


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
    """Give a badge once per key, and tell the member. One statement, safe when two workers
    award the same key at once (the second finds it given)."""
    if badge is None:
        return None
    from forum.notifications import service as notifications

    key, reason = key[:120], reason[:300]
    inserted = await db.fetch(
        "INSERT INTO badge_award (badge_id, user_id, key, reason, granted_by_id, awarded_at,"
        " expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING RETURNING id",
        badge.id, user_id, key, reason, granted_by, at, expires_at,
    )  # fmt: skip
    if not inserted:  # given already: every reply asks for the first-post badge
        return None
    row = BadgeAward(
        id=inserted[0]["id"], badge=badge, user_id=user_id, key=key, reason=reason,
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


# --- Daily work (the worker): badges that come with time


async def award_anniversaries(at: datetime | None = None) -> int:
    """Each full year of membership earns the anniversary badge once."""
    at = at or now()
    badge = await badge_by_rule("anniversary")
    given = 0
    rows = await User.filter(
        created_at__lte=at - timedelta(days=365), pending=False, deleted_at__isnull=True
    ).values_list("id", "created_at")
    have = set(
        await BadgeAward.filter(badge=badge).values_list("key", flat=True)
    ) if badge else set()  # fmt: skip
    for user_id, joined in rows:
        years = at.year - joined.year - ((at.month, at.day) < (joined.month, joined.day))
        key = f"anniversary:{user_id}:{years}"
        if years >= 1 and key not in have and await award(badge, user_id, key, at):
            given += 1
    return given


async def award_welcomes(at: datetime | None = None) -> int:
    """Members who wrote a profile and chose categories or tags to follow (tracking or
    watching, as the welcome step and /settings/interests set them) complete their welcome."""
    at = at or now()
    rows = await db.fetch(
        "SELECT u.id FROM users u WHERE u.bio <> ''"
        " AND (EXISTS (SELECT 1 FROM category_watch c WHERE c.user_id = u.id AND c.level >= 2)"
        " OR EXISTS (SELECT 1 FROM tag_watch t WHERE t.user_id = u.id AND t.level >= 2))"
        " AND NOT EXISTS (SELECT 1 FROM badge_award a"
        " WHERE a.key = 'welcome:' || CAST(u.id AS TEXT))",
    )  # fmt: skip
    given = 0
    for row in rows:
        if await award_by_rule("welcome", row["id"], f"welcome:{row['id']}", at):
            given += 1
    return given


async def daily(at: datetime | None = None) -> dict[str, int]:
    """Tier demotions after the grace period, anniversaries and completed welcomes."""
    return {
        "demoted": await demote_after_grace(at),
        "anniversaries": await award_anniversaries(at),
        "welcomes": await award_welcomes(at),
    }


# --- The manager's badges


async def create_badge(name: str, description: str, level: str) -> Badge:
    """A badge the manager awards by hand ("Champion 2027")."""
    from forum.text import slugify

    name, description = " ".join(name.split()), description.strip()
    errors: dict[str, str] = {}
    if not 2 <= len(name) <= 60:
        errors["name"] = _("A name of 2 to 60 characters.")
    if len(description) > 300:
        errors["description"] = _("Use at most %(n)d characters.") % {"n": 300}
    if level not in ("bronze", "silver", "gold"):
        errors["level"] = _("Choose bronze, silver or gold.")
    slug = slugify(name)[:60] or "badge"
    if not errors and await Badge.exists(slug=slug):
        errors["name"] = _("A badge with this name exists already.")
    if errors:
        raise Invalid(errors)
    return await Badge.create(slug=slug, name=name, description=description, level=level)


async def grant_badge(
    badge_id: str, username: str, actor: User, reason: str, expires: str = ""
) -> None:
    """Award one of the manager's badges to a member, with a reason and maybe an end date."""
    from forum import events
    from forum.accounts.service import get_by_username
    from forum.moderation.service import audit

    errors: dict[str, str] = {}
    badge_key = integer(badge_id, 1)
    badge = await Badge.filter(id=badge_key, rule="").first() if badge_key else None
    if badge is None:
        errors["badge"] = _("Choose one of your badges.")
    member = await get_by_username(username.strip())
    if member is None:
        errors["username"] = _("No member has this username.")
    reason = " ".join(reason.split())
    if not 3 <= len(reason) <= 300:
        errors["reason"] = _("Say in 3 to 300 characters why the member earns it.")
    expires_at = None
    if expires.strip():
        try:
            expires_at = datetime.fromisoformat(expires.strip()).replace(tzinfo=UTC)
        except ValueError:
            errors["expires"] = _("Enter a date like 2027-12-31, or leave it empty.")
    if errors:
        raise Invalid(errors)
    assert badge is not None and member is not None
    async with in_transaction():
        await events.record(events.BadgeGranted(
            actor_id=actor.id, badge_id=badge.id, user_id=member.id, reason=reason,
            expires_at=expires_at.isoformat() if expires_at else "",
        ))  # fmt: skip
        await audit(actor, "grant_badge", member, f"{badge.name}: {reason}")


# --- The advocate finder


@dataclass
class Candidate:
    """A member as the advocate finder explains them."""

    user: User
    standing: Standing
    accepted: int
    likes: int
    replies: int
    weeks: int
    tenure_months: int
    flags_upheld: int

    @property
    def score(self) -> int:
        return (
            10 * self.accepted + 2 * self.likes + self.replies + 3 * self.weeks
            + min(self.tenure_months, 24) // 2 - 15 * self.flags_upheld
        )  # fmt: skip


FINDER_PERIODS = {"30": 30, "90": 90, "365": 365}


async def find_advocates(
    days: int = 90,
    category_id: int | None = None,
    tier: str = "",
    limit: int = 50,
    uninvited: bool = False,
) -> list[Candidate]:
    """Members who help others, ranked by a score made of parts the page shows: accepted
    answers, likes from distinct members, replies to others' questions (in the period), weeks
    active of the last 12, tenure, and flags upheld against them. A fixed number of queries."""
    from forum.moderation.models import Flag

    at = now()
    since = at - timedelta(days=days)
    where, params = "created_at >= ?", [since]
    if category_id:
        where += " AND category_id = ?"
        params.append(category_id)
    counts = await db.fetch(
        "SELECT user_id, reason, SUM(CASE WHEN points > 0 THEN 1 WHEN points < 0 THEN -1"
        " ELSE 1 END) AS n, SUM(points) AS points FROM point_entry WHERE " + where
        + " AND reason IN ('accepted', 'like_received', 'reply')"
        # What was removed does not speak for anyone.
        " AND (post_id IS NULL OR post_id NOT IN (SELECT id FROM post"
        " WHERE deleted_at IS NOT NULL OR hidden_at IS NOT NULL)) GROUP BY user_id, reason",
        *params,
    )  # fmt: skip
    parts: dict[int, dict[str, int]] = {}
    for row in counts:
        parts.setdefault(row["user_id"], {})[row["reason"]] = int(row["n"])
    standings_by_user = await standings(list(parts))
    if tier:
        parts = {u: p for u, p in parts.items()
                 if u in standings_by_user and standings_by_user[u].tier == tier}  # fmt: skip
    if uninvited:
        from forum.blog.models import GuestPost

        invited = set(
            await GuestPost.filter(
                author_id__in=list(parts), invited_by_id__isnull=False
            ).values_list("author_id", flat=True)
        )
        parts = {user: part for user, part in parts.items() if user not in invited}
    users = {
        user.id: user for user in await User.filter(id__in=list(parts), suspended_at__isnull=True)
    }
    week_rows = await db.fetch(
        f"SELECT DISTINCT user_id, {db.day('created_at')} AS day FROM point_entry"
        " WHERE points > 0 AND created_at >= ?",
        at - timedelta(weeks=ACTIVE_WEEKS_WINDOW),
    ) if users else []  # fmt: skip
    weeks: dict[int, set[tuple[int, int]]] = {}
    for row in week_rows:
        if row["user_id"] in users:
            weeks.setdefault(row["user_id"], set()).add(
                date.fromisoformat(row["day"]).isocalendar()[:2]
            )
    flags = dict(
        await Flag.filter(post__author_id__in=list(users), resolution="upheld",
                          resolved_at__gte=since)
        .group_by("post__author_id").annotate(n=Count("id"))
        .values_list("post__author_id", "n")
    ) if users else {}  # fmt: skip
    found = [
        Candidate(
            user=user, standing=standings_by_user.get(user.id) or Standing(user_id=user.id),
            accepted=max(0, parts[user.id].get("accepted", 0)),
            likes=parts[user.id].get("like_received", 0),
            replies=parts[user.id].get("reply", 0), weeks=len(weeks.get(user.id, ())),
            tenure_months=max(0, (at - user.created_at).days // 30),
            flags_upheld=flags.get(user.id, 0),
        )
        for user in users.values()
    ]  # fmt: skip
    found.sort(key=lambda c: (-c.score, c.user.id))
    return [candidate for candidate in found if candidate.score > 0][:limit]


# --- The member's own choices


async def update_choices(user: User, *, featured: str, on_board: bool) -> None:
    """Feature one of the member's badges on their profile (or none); appear on the
    leaderboard or not."""
    row = await standing(user.id)
    badge_id = None
    if featured:
        held = {award.badge_id for award in await badges_of(user.id)}
        badge_id = integer(featured, 1)
        if badge_id not in held:
            raise Invalid({"featured": _("Choose one of your badges.")})
    row.featured_badge_id, row.hidden_from_board = badge_id, not on_board
    await row.save(update_fields=["featured_badge_id", "hidden_from_board"])
