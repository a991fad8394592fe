"""Translation entry points. Every user-facing string goes through `gettext` (`_`) here.

Catalogs for Turkish and Russian come with the languages issue; until then the null
translation returns English, and the markers already sit on every string.
"""

from __future__ import annotations

import gettext as _gettext

_translations: _gettext.NullTranslations = _gettext.NullTranslations()


def gettext(message: str) -> str:
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations.ngettext(singular, plural, n)


def translations() -> _gettext.NullTranslations:
    return _translations
