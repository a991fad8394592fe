"""The one domain error services raise for bad input, and the checks that build it."""

from __future__ import annotations


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
