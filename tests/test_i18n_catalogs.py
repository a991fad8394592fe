"""Every string a reader sees is marked for translation, and every catalog is complete."""

import ast
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po
from jinja2 import Environment
from jinja2.ext import i18n as i18n_extension

from forum import i18n
from forum.settings import ROOT

TEMPLATES = ROOT / "templates"
TRANSLATED = [code for code in i18n.LANGUAGES if code != i18n.DEFAULT_LANGUAGE]
GETTEXT_NAMES = {"_", "gettext", "ngettext", "N_"}
# Prose: a capitalised word, or words with a space between them.
PROSE = re.compile(r"^[A-ZÀ-ÖØ-ÞА-ЯЁ][a-zß-öø-ÿа-яё]|[^\W\d_]{2,}\s+\S*[^\W\d_]")
# Attributes whose values a reader sees or hears.
READ_ATTRIBUTES = ("title", "alt", "placeholder", "aria-label", "label")


def _template_problems(path: Path) -> list[str]:
    source = path.read_text()
    problems = []
    # Text between tags, once Jinja constructs and tags are taken out.
    bare = re.sub(r"{#.*?#}|{%.*?%}|{{.*?}}", "\x00", source, flags=re.S)
    for attribute in READ_ATTRIBUTES:
        for value in re.findall(rf'\s{attribute}="([^"]*)"', bare):
            if re.search(r"[^\W\d_]{2,}", value):
                problems.append(f'{attribute}="{value}"')
    text = re.sub(r"<[^>]*>", "\x00", bare)
    for chunk in text.split("\x00"):
        if re.search(r"[^\W\d_]{2,}", chunk):
            problems.append(chunk.strip())
    # String literals inside Jinja expressions that read as prose must be gettext arguments.
    environment = Environment(extensions=[i18n_extension])
    stack: list[bool] = []
    previous = None
    for token in environment.lexer.tokenize(source):
        kind, value = token.type, token.value
        if kind == "lparen":
            stack.append(previous in GETTEXT_NAMES)
        elif kind == "rparen" and stack:
            stack.pop()
        elif kind == "string" and PROSE.search(value) and not (stack and stack[-1]):
            problems.append(repr(value))
        previous = value if kind == "name" else None
    return [f"{path.relative_to(ROOT)}: {problem}" for problem in problems]


def test_no_template_shows_text_that_is_not_marked_for_translation():
    paths = sorted([*TEMPLATES.rglob("*.html"), *TEMPLATES.rglob("*.txt")])  # e-mail text parts
    problems = [p for path in paths for p in _template_problems(path)]
    assert not problems, "unmarked text:\n" + "\n".join(problems)


def _python_problems(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    marked, docstrings = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in GETTEXT_NAMES:
            marked.update(id(arg) for arg in node.args)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    problems = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in marked | docstrings
            and re.match(r"^[A-ZА-Я][^\n]*\s[^\n]*[.!?]$", node.value)
            and not re.match(r"^(SELECT|INSERT|UPDATE|DELETE|WITH)\b", node.value)  # SQL
        ):
            problems.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}")
    return problems


def test_no_python_message_for_readers_is_left_unmarked():
    # The demo's content is a community's own writing, not interface text.
    sources = [p for p in sorted((ROOT / "forum").rglob("*.py")) if p.name != "demo.py"]
    problems = [problem for path in sources for problem in _python_problems(path)]
    assert not problems, "unmarked messages:\n" + "\n".join(problems)


def _extracted() -> set[str]:
    method_map = [
        ("forum/**.py", "python"),
        ("templates/**.html", "jinja2"),
        ("templates/**.txt", "jinja2"),
    ]
    options = {
        "templates/**.html": {"extensions": "jinja2.ext.i18n"},
        "templates/**.txt": {"extensions": "jinja2.ext.i18n"},
    }
    found = set()
    keywords = {**DEFAULT_KEYWORDS, "N_": None}  # N_: marked now, translated when shown
    for _, _, message, _, _ in extract_from_dir(ROOT, method_map, options, keywords=keywords):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_marked_string_is_translated(code):
    path = i18n.LOCALE_DIR / code / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as file:
        catalog = read_po(file)
    missing = []
    for message_id in sorted(_extracted()):
        message = catalog.get(message_id)
        strings = message.string if message else None
        if isinstance(strings, tuple):
            complete = all(strings) and len(strings) == catalog.num_plurals
        else:
            complete = bool(strings)
        if not complete or (message and message.fuzzy):
            missing.append(message_id)
    assert not missing, f"{code}: not translated (run `make messages`, then translate):\n" + (
        "\n".join(missing)
    )


@pytest.mark.parametrize("code", TRANSLATED)
def test_compiled_catalogs_match_their_sources(code):
    """`make` compiles the .po files; a stale or missing .mo would show English instead."""
    path = i18n.LOCALE_DIR / code / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as file:
        catalog = read_po(file)
    translations = i18n.translations(code)
    for message in catalog:
        if message.id and isinstance(message.id, str) and message.string:
            assert translations.gettext(message.id) == message.string, "run `make catalogs`"
