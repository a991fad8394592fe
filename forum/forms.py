"""The one domain error services raise for bad input, and the checks that build it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class Invalid(Exception):
    """Bad input: `errors` maps each form field to a message shown beside it."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


def check_length(
    errors: dict[str, str], field: str, value: str, *, minimum: int, maximum: int, label: str
) -> None:
    """Add an error for `field` when `value` (already stripped) is empty, too short or too long."""
    from forum.i18n import gettext as _

    if not value:
        errors[field] = _("%(label)s is required.") % {"label": label}
    elif len(value) < minimum:
        errors[field] = _("%(label)s must be at least %(n)d characters.") % {
            "label": label,
            "n": minimum,
        }
    elif len(value) > maximum:
        errors[field] = _("%(label)s must be at most %(n)d characters.") % {
            "label": label,
            "n": maximum,
        }


def required_length(field: str, value: str, *, minimum: int, maximum: int, label: str) -> str:
    """The stripped value when its length fits, else Invalid for that one field."""
    value = value.strip()
    errors: dict[str, str] = {}
    check_length(errors, field, value, minimum=minimum, maximum=maximum, label=label)
    if errors:
        raise Invalid(errors)
    return value


def integer(raw: str | None, lowest: int = 0, highest: int = 2**31 - 1) -> int | None:
    """A whole number typed in ASCII digits ("12", "-3"), within [lowest, highest]; None for
    anything else: other digits ("²" passes str.isdigit but not int()), more digits than any
    column holds, or out of range. For every number a form or an address carries."""
    text = (raw or "").strip()
    digits = text.removeprefix("-")
    if not (digits and len(digits) <= 18 and digits.isascii() and digits.isdigit()):
        return None
    value = int(text)
    return value if lowest <= value <= highest else None


def positive_ids(values: Iterable[Any]) -> list[int]:
    """The ids among a form's values (ticked boxes), anything else dropped."""
    return [number for value in values if (number := integer(str(value), 1)) is not None]
