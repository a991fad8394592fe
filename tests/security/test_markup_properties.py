"""Property tests: generated hostile markup (tags, attributes, schemes, entities, markdown links
and images, broken nesting) through forum.markup.render, checked as tests/security/corpus.py
checks every page. Derandomized, so CI sees the same examples on every run."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forum import markup
from tests.security.corpus import CORPUS, assert_inert, dangerous_url

PROPERTIES = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# --- Building blocks of hostile markup

TAGS = [
    "script", "img", "svg", "math", "iframe", "a", "p", "b", "i", "style", "object", "embed",
    "form", "base", "meta", "link", "table", "td", "tr", "template", "noscript", "xmp",
    "textarea", "title", "select", "option", "details", "video", "source", "animate", "set",
    "foreignObject", "mglyph", "mtext", "malignmark", "code", "pre", "blockquote", "div",
    "button", "input", "body", "html", "frameset", "isindex", "plaintext", "listing",
]  # fmt: skip
ATTRIBUTES = [
    "onerror", "onload", "onclick", "onmouseover", "onfocus", "ontoggle", "onbegin", "href",
    "src", "xlink:href", "action", "formaction", "style", "srcset", "data", "srcdoc", "title",
    "class", "id", "rel", "background", "poster", "to", "values", "http-equiv", "content",
]  # fmt: skip
SCHEMES = ["javascript:", "JaVaScRiPt:", "data:text/html,", "data:image/svg+xml;base64,",
           "vbscript:", "http:", "https:", "mailto:", "", "//", "jav\tascript:",
           "java\nscript:", "\x00javascript:", " \x01javascript:", "javascript&colon;",
           "&#106;avascript:", "&#x6A;&#x61;vascript:", "&#0000106avascript:",
           "jav&#x09;ascript:", "&#14;javascript:", "javas&#99;ript:", "%6aavascript:"]  # fmt: skip
SCRIPTS = ["alert(1)", "alert`1`", "msgbox(1)", "PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
           "<script>alert(1)</script>", "evil.example/x.js", "x"]  # fmt: skip
ENTITIES = ["&lt;", "&gt;", "&amp;", "&quot;", "&#39;", "&#60;", "&#x3C;", "&colon;", "&lpar;",
            "&rpar;", "&Tab;", "&NewLine;", "&#0;", "&#x0A;", "&"]  # fmt: skip
SPECIALS = [
    "hello", "{{ 111111*111111 }}", "${111111*111111}", "@ana", "www.evil.example",
    "https://ok.example/a?b=1&c=2", "`code`", "**bold**", "<", ">", '"', "'", "`", "=", "/",
    "\n", "\n\n", "    ", "> ", "- ", "1. ", "# ", "|a|b|\n|-|-|",
]  # fmt: skip
WORDS = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12
) | st.sampled_from(SPECIALS)


@st.composite
def urls(draw: st.DrawFn) -> str:
    return draw(st.sampled_from(SCHEMES)) + draw(st.sampled_from(SCRIPTS))


@st.composite
def attribute(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(ATTRIBUTES))
    value = draw(urls() | st.sampled_from(SCRIPTS) | WORDS)
    quote = draw(st.sampled_from(['"', "'", "`", ""]))
    separator = draw(st.sampled_from([" ", "/", "\t", "\n", " /"]))
    return f"{separator}{name}={quote}{value}{quote}"


@st.composite
def element(draw: st.DrawFn, children: st.SearchStrategy[str]) -> str:
    tag = draw(st.sampled_from(TAGS))
    tag = draw(st.sampled_from([tag, tag.upper(), tag.capitalize()]))
    attributes = "".join(draw(st.lists(attribute(), max_size=3)))
    inside = "".join(draw(st.lists(children, max_size=3)))
    close = draw(st.sampled_from([f"</{tag}>", "", f"</{draw(st.sampled_from(TAGS))}>", "</"]))
    ending = draw(st.sampled_from([">", "/>", " >", ""]))
    return f"<{tag}{attributes}{ending}{inside}{close}"


@st.composite
def markdown_link(draw: st.DrawFn, children: st.SearchStrategy[str]) -> str:
    text = draw(children)
    url = draw(urls())
    bang = draw(st.sampled_from(["", "!"]))
    form = draw(st.integers(0, 4))
    if form == 0:
        return f"{bang}[{text}]({url})"
    if form == 1:
        return f'{bang}[{text}]({url} "{draw(WORDS)}")'
    if form == 2:
        return f"{bang}[{text}][ref]\n\n[ref]: {url}\n"
    if form == 3:
        return f"<{url}>"
    return f"{bang}[{text}](<{url}>)"


# The corpus by index: a strategy's repr (shown when a test fails) stays short.
LEAVES = (
    WORDS
    | st.sampled_from(ENTITIES)
    | urls()
    | st.integers(0, len(CORPUS) - 1).map(CORPUS.__getitem__)
    | st.sampled_from(["<!--", "-->", "<![CDATA[", "]]>", "<!", "</", "<?xml", "```\n", "\n```\n"])
)
MARKUP = st.recursive(
    LEAVES,
    lambda children: (
        element(children)
        | markdown_link(children)
        | st.lists(children, min_size=2, max_size=4).map("".join)
    ),
    max_leaves=12,
)


# --- What the renderer's output must be


class _Fragment(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {name: value or "" for name, value in attrs}))

    handle_startendtag = handle_starttag


def assert_within_allow_list(rendered: str) -> None:
    """Only allow-listed elements and attributes, and links only to http(s), mailto or this
    site; nothing else survives."""
    parser = _Fragment()
    parser.feed(rendered)
    parser.close()
    for tag, attrs in parser.elements:
        assert tag in markup.ALLOWED_TAGS, (tag, rendered)
        allowed = markup.ALLOWED_ATTRIBUTES.get(tag, [])
        assert set(attrs) <= set(allowed), (tag, attrs, rendered)
        if "href" in attrs:
            href = attrs["href"]
            assert not dangerous_url(href), rendered
            scheme = urlsplit(href.strip()).scheme.lower()
            assert scheme in ("", "http", "https", "mailto"), (href, rendered)


@PROPERTIES
@given(MARKUP)
def test_generated_hostile_markup_renders_inert(text):
    rendered = markup.render(text)
    assert_inert(rendered, fragment=True, where=repr(text))
    assert_within_allow_list(rendered)


@PROPERTIES
@given(MARKUP, st.lists(st.sampled_from(["ana", "boris", "x_y-z"]), max_size=3))
def test_mentions_in_hostile_markup_link_only_to_profiles(text, names):
    rendered = markup.render(f"@ana {text} @boris", mentions=names)
    assert_inert(rendered, fragment=True, where=repr(text))
    assert_within_allow_list(rendered)


@PROPERTIES
@given(MARKUP)
def test_rendered_markup_is_stable_when_parsed_again(text):
    """What the sanitiser wrote means the same when parsed again (as a browser will): cleaning
    its own output changes nothing, so no parser difference can turn it into something else."""
    rendered = markup.render(text)
    assert markup._cleaner.clean(rendered) == rendered
