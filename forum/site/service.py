"""The community's own settings, set by the manager: name, language, time zone, new members."""

from __future__ import annotations

import re

from forum import i18n
from forum.forms import Invalid, check_length, integer
from forum.i18n import gettext as _
from forum.site import models

COLOUR = re.compile(r"#[0-9a-f]{6}")
DELETED_POSTS = ("choose", "keep", "remove")


async def update_settings(
    *,
    name: str,
    language: str,
    timezone: str,
    hold_first_posts: str,
    trust_posts: str,
    trust_days: str,
    flags_to_hide: str,
    approve_signups: str = "",
    held_email_domains: str = "",
    description: str = "",
    colour: str = "#2f5d8a",
    winback_days: str = "30",
    email_daily_cap: str = "20",
    deleted_posts: str = "choose",
) -> None:
    name, description, colour = name.strip(), description.strip(), colour.strip().lower()
    errors: dict[str, str] = {}
    numbers = {"hold_first_posts": hold_first_posts, "trust_posts": trust_posts,
               "trust_days": trust_days, "flags_to_hide": flags_to_hide}  # fmt: skip
    for field, value in numbers.items():
        if integer(value, 0, 20) is None:
            errors[field] = _("Enter a number from 0 to 20.")
    for field, value, most in (("winback_days", winback_days, 365),
                               ("email_daily_cap", email_daily_cap, 200)):  # fmt: skip
        if integer(value, 0, most) is None:
            errors[field] = _("Enter a number from 0 to %(most)d.") % {"most": most}
    check_length(errors, "name", name, minimum=2, maximum=60, label=_("Community name"))
    if len(description) > 500:
        errors["description"] = _("Keep the description under 500 characters.")
    if not COLOUR.fullmatch(colour):
        errors["colour"] = _("Enter a colour like #2f5d8a.")
    if language not in i18n.LANGUAGES:
        errors["language"] = _("Choose a language.")
    if not i18n.valid_timezone(timezone):
        errors["timezone"] = _("Choose a time zone from the list.")
    if deleted_posts not in DELETED_POSTS:
        errors["deleted_posts"] = _("Choose what happens to the posts of a deleted account.")
    if approve_signups not in ("", "all"):
        errors["approve_signups"] = _("Choose which sign-ups wait for approval.")
    domains = [d.strip().lstrip("@").lower() for d in held_email_domains.split(",") if d.strip()]
    if any(" " in d or "." not in d for d in domains) or len(held_email_domains) > 1000:
        errors["held_email_domains"] = _("List domains like example.com, separated by commas.")
    if errors:
        raise Invalid(errors)
    await models.set_value("approve_signups", approve_signups)
    await models.set_value("held_email_domains", ", ".join(domains))
    await models.set_value("name", name)
    await models.set_value("description", description)
    await models.set_value("colour", colour)
    await models.set_value("winback_days", str(int(winback_days)))
    await models.set_value("email_daily_cap", str(int(email_daily_cap)))
    await models.set_value("deleted_posts", deleted_posts)
    await models.set_value("language", language)
    await models.set_value("timezone", timezone)
    for field, value in numbers.items():
        await models.set_value(field, str(int(value)))
