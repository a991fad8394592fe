"""The community's own settings, set by the manager: its name, default language and time zone."""

from __future__ import annotations

from forum import i18n
from forum.forms import Invalid, check_length
from forum.i18n import gettext as _
from forum.site import models


async def update_settings(*, name: str, language: str, timezone: str) -> None:
    name = name.strip()
    errors: dict[str, str] = {}
    check_length(errors, "name", name, minimum=2, maximum=60, label=_("Community name"))
    if language not in i18n.LANGUAGES:
        errors["language"] = _("Choose a language.")
    if not i18n.valid_timezone(timezone):
        errors["timezone"] = _("Choose a time zone from the list.")
    if errors:
        raise Invalid(errors)
    await models.set_value("name", name)
    await models.set_value("language", language)
    await models.set_value("timezone", timezone)
