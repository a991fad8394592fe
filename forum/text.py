"""Text rules that must agree everywhere: case folding (Turkish-aware) and readable slugs."""

from __future__ import annotations

import re
import unicodedata

# Turkish has dotted İ/i and dotless I/ı. Folding all four to "i" means "Işık", "ışık" and "ISIK"
# compare equal, and no one can register "Ivan" beside "ıvan" to impersonate them.
_FOLD = str.maketrans({"İ": "i", "I": "i", "ı": "i", "Ё": "е", "ё": "е"})

_TRANSLIT = str.maketrans(
    {
        # Turkish
        "ç": "c", "Ç": "c", "ğ": "g", "Ğ": "g", "ı": "i", "I": "i", "İ": "i",
        "ö": "o", "Ö": "o", "ş": "s", "Ş": "s", "ü": "u", "Ü": "u",
        # Russian (a readable, common romanisation)
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
        "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
        "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
        "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "iu",
        "я": "ia",
    }
)  # fmt: skip


def fold(text: str) -> str:
    """Case-insensitive comparison key: Turkish i's and Russian ё folded, then casefold()."""
    return text.translate(_FOLD).casefold()


def slugify(text: str, max_length: int = 80, fallback: str = "topic") -> str:
    """A readable ASCII slug: "Çözüm önerisi" -> "cozum-onerisi", "Как" -> "kak"."""
    text = text.translate(_TRANSLIT).lower().translate(_TRANSLIT)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:max_length].rstrip("-")
    return slug or fallback
