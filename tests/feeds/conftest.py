"""Reading feeds as a feed reader would: through feedparser, which must find nothing to fix."""

from __future__ import annotations

import feedparser
import httpx

# The two documents of every feed, by suffix, and the version feedparser must recognise.
KINDS = ("rss", "atom")
VERSIONS = {"rss": "rss20", "atom": "atom10"}


def read(response: httpx.Response) -> feedparser.FeedParserDict:
    """The feed in a response, parsed strictly: a well-formed document of the kind its URL names.

    feedparser's own HTML sanitising is off, so tests see the HTML the forum wrote, not a
    cleaned-up copy."""
    assert response.status_code == 200, (response.url, response.status_code)
    parsed = feedparser.parse(response.content, sanitize_html=False)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == VERSIONS[response.url.path.rsplit(".", 1)[1]]
    return parsed


def entry_html(entry: feedparser.FeedParserDict) -> str:
    """An entry's HTML content: Atom's <content>, RSS's <description>."""
    return entry.content[0].value if "content" in entry else entry.summary
