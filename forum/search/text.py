"""How words become search terms, how a query is read, and how a snippet is highlighted.

Posts and queries go through the same `terms()`: words are lower-cased (Turkish-aware), stemmed
(Russian for Cyrillic words, the community's language for the rest) and then folded (accents
dropped, Turkish ı and i, Russian ё and е made one), so "İstanbul", "istanbul" and "ISTANBUL"
find each other, as do "устройство" and "устройства". The database's full-text index sees only
these terms, so SQLite and PostgreSQL match exactly the same way.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import Stemmer
from markupsafe import Markup, escape

# A word: letters and digits (not "_", which both databases' tokenizers split on).
WORD = re.compile(r"[^\W_]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
# Latin words are stemmed in the community's language; other languages keep their words whole.
_LATIN_STEMMERS = {"en": "english", "tr": "turkish"}
_STEMMERS: dict[str, Stemmer.Stemmer] = {}
# A query of more words than this is cut (nobody types more; it bounds the work).
MAX_QUERY_TERMS = 12


def _stemmer(name: str) -> Stemmer.Stemmer:
    if name not in _STEMMERS:
        _STEMMERS[name] = Stemmer.Stemmer(name)
    return _STEMMERS[name]


def _fold(word: str) -> str:
    word = unicodedata.normalize("NFKD", word.replace("ı", "i"))
    return "".join(c for c in word if not unicodedata.combining(c))


@lru_cache(maxsize=200_000)
def term(word: str, language: str = "en") -> str:
    """The search term of one word (see the module's docstring)."""
    if _CYRILLIC.search(word):
        lowered = word.lower()
        stemmer = "russian"
    else:
        # Turkish lower-cases I to ı (and İ to i); other languages I to i. Either way the
        # fold below makes them one, so only the stemmer sees the difference.
        lowered = word.replace("İ", "i")
        lowered = (lowered.replace("I", "ı") if language == "tr" else lowered).lower()
        stemmer = _LATIN_STEMMERS.get(language, "")
    if stemmer:
        lowered = _stemmer(stemmer).stemWord(lowered)
    return _fold(lowered)


def terms(text: str, language: str = "en") -> list[str]:
    """Every word of the text as a search term, in order (phrases match terms in a row)."""
    return [term(word, language) for word in WORD.findall(text)]


def document(text: str, language: str = "en") -> str:
    """The text as stored for the full-text index: its terms, separated by spaces."""
    return " ".join(terms(text, language))


@dataclass
class Query:
    """A search as typed: words to find, "quoted phrases" and -excluded words."""

    words: list[str] = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)
    excluded: list[list[str]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.words and not self.phrases

    @property
    def positive_terms(self) -> set[str]:
        """Every term a result must contain: what snippets highlight."""
        return set(self.words) | {t for phrase in self.phrases for t in phrase}


_PARTS = re.compile(r'(-?)"([^"]*)"?|(-?)(\S+)')


def parse(text: str, language: str = "en") -> Query:
    """Read a query: `word`, `"a phrase"`, `-word`, `-"a phrase"`. Anything else (quotes left
    open, punctuation, SQL or FTS syntax) is only ever turned into terms, never passed on."""
    query = Query()
    count = 0
    for match in _PARTS.finditer(text):
        minus, phrase, minus_word, word = match.groups()
        found = terms(phrase if phrase is not None else word, language)
        if not found or count >= MAX_QUERY_TERMS:
            continue
        found = found[: MAX_QUERY_TERMS - count]
        count += len(found)
        if minus or minus_word:
            query.excluded.append(found)
        elif phrase is not None and len(found) > 1:
            query.phrases.append(found)
        else:
            query.words.extend(t for t in found if t not in query.words)
    return query


def fts5(query: Query, column: str = "") -> str:
    """The query as an SQLite FTS5 expression. Terms are letters and digits only, and each is
    quoted, so nothing typed can become FTS5 syntax. `column` limits the positive part."""
    positive = [f'"{t}"' for t in query.words] + [f'"{" ".join(p)}"' for p in query.phrases]
    expression = " AND ".join(positive)
    if column:
        expression = f"{{{column}}} : ({expression})"
    for phrase in query.excluded:
        expression += f' NOT "{" ".join(phrase)}"'
    return expression


def tsquery(query: Query, positive_only: bool = False) -> str:
    """The query as a PostgreSQL tsquery (for to_tsquery('simple', ...)): terms are letters and
    digits only, each quoted."""
    parts = [f"'{t}'" for t in query.words]
    parts += ["(" + " <-> ".join(f"'{t}'" for t in p) + ")" for p in query.phrases]
    if not positive_only:
        parts += ["!(" + " <-> ".join(f"'{t}'" for t in p) + ")" for p in query.excluded]
    return " & ".join(parts)


def any_of(words: list[str]) -> Query:
    """A query matching any of these terms (for "similar threads"): words become one OR group
    through `fts5_any`/`tsquery_any`."""
    return Query(words=words)


def fts5_any(query: Query, column: str) -> str:
    return f"{{{column}}} : (" + " OR ".join(f'"{t}"' for t in query.words) + ")"


def tsquery_any(query: Query) -> str:
    return " | ".join(f"'{t}'" for t in query.words)


def snippet(text: str, wanted: set[str], language: str = "en", length: int = 220) -> Markup:
    """A piece of the text around its first wanted term, every wanted word in <mark>; the
    text is escaped, so only the marks are markup."""
    matches = [m for m in WORD.finditer(text) if term(m.group(), language) in wanted]
    start = 0
    if matches and matches[0].start() > length // 3:
        start = text.rfind(" ", 0, matches[0].start() - length // 3) + 1
    end = min(len(text), start + length)
    if end < len(text):
        end = max(text.rfind(" ", start, end), start + length // 2)
    pieces: list[str] = ["…" if start else ""]
    position = start
    for match in matches:
        if match.start() < start:
            continue
        if match.end() > end:
            break
        pieces.append(escape(text[position : match.start()]))
        pieces.append(Markup("<mark>%s</mark>") % match.group())
        position = match.end()
    pieces.append(escape(text[position:end]))
    if end < len(text):
        pieces.append("…")
    return Markup("").join(pieces)


# Words too common to say anything about a thread's subject, left out of "similar threads".
STOPWORDS = frozenset(
    term(word, language)
    for words in (
        "a an and are as at be but by can do does for from has have how i if in is it "
        "my no not of on or so that the this to was what when where which who why will with "
        "you your me we our get any there",
        "acaba ama ve veya ile bir bu şu o ne neden nasıl niçin için gibi da de mi mı mu "
        "mü ki çok daha en var yok ben sen biz siz onlar her hiç olarak olan",
        "и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по "
        "только ее мне было вот от меня еще нет о из ему когда ли если или ни быть был до вас "
        "почему где какой это",
    )
    for word in words.split()
    # Whichever language the community stems Latin words in.
    for language in _LATIN_STEMMERS
)
