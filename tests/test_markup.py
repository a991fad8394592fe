"""User markup becomes safe HTML once, on write."""

import pytest

from forum import markup
from forum.text import fold, slugify

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](vbscript:msgbox(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<svg><script>alert(1)</script></svg>",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<iframe src="https://evil.example"></iframe>',
    "<div onmouseover=alert(1)>hover</div>",
    "![img](javascript:alert(1))",
    "<<script>script>alert(1)<</script>/script>",
    "{{ 7*7 }} {% raw %}",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_markup_loses_every_script_handler_and_dangerous_url(text):
    html = markup.render(text).lower()
    assert "<script" not in html and "<iframe" not in html and "<svg" not in html
    assert " on" not in html.replace(" one", "")
    for scheme in ("javascript:", "data:", "vbscript:"):
        assert f'="{scheme}' not in html and f"={scheme}" not in html


def test_external_links_get_nofollow_ugc_noopener_and_internal_ones_do_not():
    html = markup.render("[ours](/t/1/x) and https://example.com")
    assert '<a href="/t/1/x">ours</a>' in html
    assert '<a href="https://example.com" rel="nofollow ugc noopener">' in html


def test_mentions_link_only_members_who_exist_in_their_own_spelling():
    html = markup.render("Hi @ANA and @ghost, mail ana@example.com", mentions=["Ana"])
    assert '<a href="/u/Ana">@Ana</a>' in html
    assert "@ghost" in html and "/u/ghost" not in html
    assert "ana@example.com" in html


def test_mentions_follow_turkish_case_rules():
    assert '<a href="/u/ışık">@ışık</a>' in markup.render("hi @IŞIK", mentions=["ışık"])


def test_code_blocks_keep_their_text_escaped():
    html = markup.render("```\n<b>not bold</b>\n```")
    assert "&lt;b&gt;not bold&lt;/b&gt;" in html


def test_excerpts_are_plain_text_cut_at_a_word():
    assert markup.excerpt("<p>Hello <strong>big</strong> world</p>", 9) == "Hello big…"


@pytest.mark.parametrize(
    "title, slug",
    [
        ("Çözüm önerisi", "cozum-onerisi"),
        ("Как настроить", "kak-nastroit"),
        ("İSTANBUL ışık", "istanbul-isik"),
        ("Съёмка и ЩИТ", "semka-i-shchit"),
        ("!!!", "topic"),
    ],
)
def test_slugs_from_turkish_and_russian_titles_are_readable(title, slug):
    assert slugify(title) == slug


def test_turkish_dotted_and_dotless_i_fold_together():
    assert fold("İstanbul") == fold("istanbul") == fold("ISTANBUL") == fold("ıstanbul")
    assert fold("Ёлка") == fold("елка")
