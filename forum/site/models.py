"""Community-wide settings the manager sets in the browser (name, and later logo, colour, voice)."""

from __future__ import annotations

import time

from tortoise import fields
from tortoise.models import Model

DEFAULTS = {
    "name": "Community",
    "language": "en",
    "timezone": "UTC",
    # How many of a new member's first posts wait for a moderator's approval.
    "hold_first_posts": "1",
    # A member is "new" (and posts under limits) until they have this many approved posts
    # and an account this many days old.
    "trust_posts": "3",
    "trust_days": "2",
    # Flags from this many different members hide a post until staff review it.
    "flags_to_hide": "3",
    # Sign-ups wait for a moderator: "all", or only those from the listed e-mail domains.
    "approve_signups": "",
    "held_email_domains": "",
    # One paragraph on what the community is for: the welcome e-mail and the feeds use it.
    "description": "",
    # The brand colour of e-mails (#rrggbb).
    "colour": "#2f5d8a",
    # Members away this many days get one "what you missed" message (0: never).
    "winback_days": "30",
    # At most this many notification e-mails a member a day.
    "email_daily_cap": "20",
    # What happens to the posts of a member who deletes their account: they choose ("choose"),
    # or always "keep" (shown as a deleted member) or always "remove".
    "deleted_posts": "choose",
}

# Other processes see a change within this many seconds; this process sees it at once.
_CACHE_SECONDS = 30.0
_cache: dict[str, str] = {}
_cached_at = 0.0


class SiteSetting(Model):
    key = fields.CharField(max_length=64, primary_key=True)
    value = fields.TextField()

    class Meta:
        table = "site_setting"


async def get_all() -> dict[str, str]:
    """Every site setting, defaults filled in; cached briefly so pages do not query it."""
    global _cached_at
    if time.monotonic() - _cached_at > _CACHE_SECONDS:
        rows = await SiteSetting.all().values_list("key", "value")
        _cache.clear()
        _cache.update(DEFAULTS)
        _cache.update(dict(rows))
        _cached_at = time.monotonic()
    return dict(_cache)


async def set_value(key: str, value: str) -> None:
    await SiteSetting.update_or_create(key=key, defaults={"value": value})
    forget()


async def delete_value(key: str) -> None:
    await SiteSetting.filter(key=key).delete()
    forget()


def forget() -> None:
    """Drop the cache so the next read sees the database (tests, and after each write)."""
    global _cached_at
    _cached_at = 0.0
