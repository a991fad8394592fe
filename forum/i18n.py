"""Languages: message catalogs, the reader's language and time zone, dates and numbers.

Every user-facing string goes through `gettext` (`_`) or `ngettext` here; templates use the same
functions through Jinja2's i18n extension. The language and time zone of the request being
answered live in context variables, set once per request by the session middleware (and by
`language(...)` around work done for someone else, such as an e-mail to a member).
"""

from __future__ import annotations

import gettext as _gettext
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel import Locale
from babel.dates import format_date, format_time, format_timedelta
from babel.numbers import format_decimal
from babel.support import Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
# The interface languages, each named in itself (how a reader looks for their own).
LANGUAGES = {"en": "English", "tr": "Türkçe", "ru": "Русский"}
DEFAULT_LANGUAGE = "en"
DEFAULT_TIMEZONE = "UTC"

_language: ContextVar[str] = ContextVar("language", default=DEFAULT_LANGUAGE)
_timezone: ContextVar[str] = ContextVar("timezone", default=DEFAULT_TIMEZONE)


@lru_cache
def translations(language: str) -> _gettext.NullTranslations:
    """The compiled catalog of a language (`make` builds the .mo files from the .po files)."""
    if language == DEFAULT_LANGUAGE:
        return _gettext.NullTranslations()
    return Translations.load(LOCALE_DIR, [language], DOMAIN)


def gettext(message: str) -> str:
    return translations(_language.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_language.get()).ngettext(singular, plural, n)


def current_language() -> str:
    return _language.get()


def current_timezone() -> str:
    return _timezone.get()


def local_moment(text: str) -> datetime | None:
    """A `datetime-local` form value ("2027-01-31T09:30") in the reader's time zone, as UTC;
    None when it is not a date and time."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(current_timezone()))
    return moment.astimezone(UTC)


def activate(language: str, timezone: str = DEFAULT_TIMEZONE) -> None:
    """Use this language and time zone for the rest of the current request or task."""
    _language.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)
    _timezone.set(timezone if valid_timezone(timezone) else DEFAULT_TIMEZONE)


@contextmanager
def language(code: str, timezone: str = DEFAULT_TIMEZONE) -> Iterator[None]:
    """Speak another reader's language for a while (an e-mail to a member, say)."""
    language_token = _language.set(code if code in LANGUAGES else DEFAULT_LANGUAGE)
    timezone_token = _timezone.set(timezone if valid_timezone(timezone) else DEFAULT_TIMEZONE)
    try:
        yield
    finally:
        _language.reset(language_token)
        _timezone.reset(timezone_token)


_ACCEPT = re.compile(r"\s*([A-Za-z]{1,8})(?:-[A-Za-z0-9]{1,8})*\s*(?:;\s*q\s*=\s*([0-9.]+))?")


def from_accept_language(header: str) -> str | None:
    """The best supported language in an Accept-Language header, or None."""
    best, best_q = None, 0.0
    for part in header.split(",")[:20]:
        match = _ACCEPT.fullmatch(part)
        if not match:
            continue
        code = match.group(1).lower()
        try:
            q = float(match.group(2)) if match.group(2) else 1.0
        except ValueError:
            continue
        if code in LANGUAGES and q > best_q:
            best, best_q = code, q
    return best


def choose_language(member_choice: str, cookie_choice: str, accept: str, default: str) -> str:
    """The member's setting, else the guest's footer choice, else the browser's, else the site's."""
    for candidate in (member_choice, cookie_choice, from_accept_language(accept), default):
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT_LANGUAGE


@lru_cache
def timezones() -> list[str]:
    return sorted(zone for zone in available_timezones() if "/" in zone or zone == "UTC")


def valid_timezone(name: str) -> bool:
    if not name or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


# --- Dates and numbers in the reader's language and time zone


def format_datetime(value: datetime) -> str:
    """An absolute moment, to the minute: "Mar 5, 2026, 9:30 PM" / "6 Mar 2026 00:30"."""
    minute = value.replace(second=0, microsecond=0)
    return _format_minute(minute, _timezone.get(), _language.get())


# Babel's formatting is slow and a page shows the same moments to every reader: remember them.
@lru_cache(maxsize=65536)
def _format_minute(value: datetime, timezone: str, code: str) -> str:
    zone = ZoneInfo(timezone)
    local = value.astimezone(zone)
    date = format_date(local.date(), format="medium", locale=code)
    time = format_time(local, format="short", tzinfo=zone, locale=code)
    return Locale.parse(code).datetime_formats["medium"].format(time, date)


def format_relative(value: datetime, now: datetime | None = None) -> str:
    """How long ago: "3 hours ago" / "3 saat önce" / "3 часа назад"."""
    delta = value - (now or datetime.now(UTC))
    return format_timedelta(delta, add_direction=True, threshold=1.0, locale=_language.get())


def format_number(value: int) -> str:
    return _format_number(value, _language.get())


@lru_cache(maxsize=8192)
def _format_number(value: int, code: str) -> str:
    return format_decimal(value, locale=code)


def language_name(code: str) -> str:
    return LANGUAGES.get(code, code)


def locale() -> Locale:
    return Locale.parse(_language.get())


def format_duration(value: timedelta) -> str:
    """A length of time: "2 hours" / "2 saat" / "2 часа"."""
    return format_timedelta(value, threshold=1.0, locale=_language.get())
