"""A `Feed` written as an RSS 2.0 or Atom 1.0 document.

Built with ElementTree, which escapes every text and attribute, so user text (titles, names,
the stored post HTML) can never close an element or add one. Post HTML goes out as escaped
text: RSS `<description>` and Atom `<content type="html">` both mean "HTML, escaped once".
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from email.utils import format_datetime

from forum.feeds.service import Entry, Feed

ATOM = "http://www.w3.org/2005/Atom"
DC = "http://purl.org/dc/elements/1.1/"
XML = "http://www.w3.org/XML/1998/namespace"
# The prefixes RSS documents use for Atom's self link and Dublin Core's creator.
ET.register_namespace("atom", ATOM)
ET.register_namespace("dc", DC)

MEDIA_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
}

# Characters XML 1.0 forbids even when escaped (most C0 controls): a member can type them, and
# one would make the whole document unreadable to every feed reader.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {name: _clean(value) for name, value in attrs.items()})
    if text is not None:
        element.text = _clean(text)
    return element


def rfc822(moment: datetime) -> str:
    """RSS dates: "Thu, 05 Mar 2026 09:30:00 GMT"."""
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)


def rfc3339(moment: datetime) -> str:
    """Atom dates: "2026-03-05T09:30:00+00:00"."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _document(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def rss(feed: Feed) -> bytes:
    root = ET.Element("rss", {"version": "2.0"})
    channel = _add(root, "channel")
    _add(channel, "title", feed.title)
    _add(channel, "link", feed.link)
    _add(channel, "description", feed.subtitle)
    _add(channel, f"{{{ATOM}}}link", href=feed.url("rss"), rel="self", type="application/rss+xml")
    _add(channel, "language", feed.language)
    _add(channel, "lastBuildDate", rfc822(feed.updated))
    for entry in feed.entries:
        _rss_item(_add(channel, "item"), entry)
    return _document(root)


def _rss_item(item: ET.Element, entry: Entry) -> None:
    _add(item, "title", entry.title)
    _add(item, "link", entry.link)
    # The id is an address that always leads to the item, so it is a permalink too.
    _add(item, "guid", entry.id, isPermaLink="true")
    # RSS's own <author> must be an e-mail address, which a feed never shows.
    _add(item, f"{{{DC}}}creator", entry.author)
    if entry.category:
        _add(item, "category", entry.category)
    _add(item, "pubDate", rfc822(entry.published))
    _add(item, "description", entry.html)


def atom(feed: Feed) -> bytes:
    # Atom is the default namespace, declared by hand: plain <feed> and <entry>, as readers
    # expect (ElementTree's default_namespace refuses the unqualified attributes Atom uses).
    root = ET.Element("feed", {"xmlns": ATOM, f"{{{XML}}}lang": feed.language})
    _add(root, "id", feed.url("atom"))
    _add(root, "title", feed.title, type="text")
    _add(root, "subtitle", feed.subtitle, type="text")
    _add(root, "updated", rfc3339(feed.updated))
    _add(root, "link", rel="self", type="application/atom+xml", href=feed.url("atom"))
    _add(root, "link", rel="alternate", type="text/html", href=feed.link)
    for entry in feed.entries:
        _atom_entry(_add(root, "entry"), entry)
    return _document(root)


def _atom_entry(element: ET.Element, entry: Entry) -> None:
    _add(element, "id", entry.id)
    _add(element, "title", entry.title, type="text")
    _add(element, "link", rel="alternate", type="text/html", href=entry.link)
    _add(element, "published", rfc3339(entry.published))
    _add(element, "updated", rfc3339(entry.updated))
    author = _add(element, "author")
    _add(author, "name", entry.author)
    _add(author, "uri", entry.author_link)
    if entry.category:
        _add(element, "category", term=entry.category, label=entry.category)
    _add(element, "content", entry.html, type="html")


def write(feed: Feed, kind: str) -> bytes:
    """The document of the given kind, "rss" or "atom"."""
    return rss(feed) if kind == "rss" else atom(feed)
