"""User text -> safe HTML: markdown, then bleach's allow-list, then links. Rendered once on write.

`render` is the only way user markup becomes HTML, and `templates/_html.html` is the only
template that prints stored HTML unescaped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from functools import partial

import bleach
import markdown
from bleach.linkifier import LinkifyFilter

from forum.text import fold

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "strong", "em", "b", "i", "del", "code", "pre", "blockquote",
        "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel", "class"], "th": ["align"], "td": ["align"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
EXTERNAL_REL = "nofollow ugc noopener"

# @name not preceded by a word character, "@" or "/": e-mail addresses and URLs stay as they are.
MENTION = re.compile(r"(?<![\w@/])@([\w-]{3,20})")


def mentioned_names(text: str) -> set[str]:
    """Every @name written in the text, as written."""
    return set(MENTION.findall(text))


def _set_rel(attrs: dict, new: bool = False) -> dict:
    href = attrs.get((None, "href"), "")
    if href.startswith("/") and not href.startswith("//"):
        attrs.pop((None, "rel"), None)
    else:
        attrs[(None, "rel")] = EXTERNAL_REL
    return attrs


# One parser, reset per call: building it is about a third of the cost of a render.
_markdown = markdown.Markdown(
    extensions=["fenced_code", "tables", "sane_lists", "nl2br"], output_format="html"
)
# Cleaning and linking in one pass over the token stream (a separate Linker pass would
# escape the text inside <code> a second time).
_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    filters=[partial(LinkifyFilter, callbacks=[_set_rel], skip_tags={"pre", "code"})],
)


def render(text: str, mentions: Iterable[str] = ()) -> str:
    """Markdown to sanitised HTML. `mentions` are the canonical usernames to link as @name."""
    by_key = {fold(name): name for name in mentions}

    def link_mention(match: re.Match[str]) -> str:
        name = by_key.get(fold(match.group(1)))
        return f"[@{name}](/u/{name})" if name else match.group(0)

    source = MENTION.sub(link_mention, text) if by_key else text
    return _cleaner.clean(_markdown.reset().convert(source))


_TAG = re.compile(r"<[^>]+>")


def excerpt(stored_html: str, length: int = 200) -> str:
    """Plain text from stored HTML, cut at a word boundary (escape it again when shown)."""
    text = " ".join(html.unescape(_TAG.sub(" ", stored_html)).split())
    if len(text) <= length:
        return text
    return text[: length + 1].rsplit(" ", 1)[0] + "…"


def quote(author: str, text: str) -> str:
    """Markdown that quotes a post in a reply."""
    quoted = "\n".join("> " + line for line in text.strip().splitlines())
    return f"@{author}:\n{quoted}\n\n"
