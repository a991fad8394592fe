"""The interface speaks the reader's language: choice, pages, plurals, dates and settings."""

from datetime import UTC, datetime, timedelta

import pytest

from forum import i18n
from forum.accounts.models import User
from forum.site import models as site
from tests.conftest import login, make_reply, make_thread, submit


def test_accept_language_picks_the_best_supported_language():
    assert i18n.from_accept_language("ru-RU,ru;q=0.9,en;q=0.8") == "ru"
    assert i18n.from_accept_language("de-DE,de;q=0.9,tr;q=0.5,en;q=0.4") == "tr"
    assert i18n.from_accept_language("de, fr;q=0.5") is None
    assert i18n.from_accept_language("tr;q=abc, ru;q=0.2") == "ru"


def test_the_members_choice_wins_then_the_guests_then_the_browsers_then_the_sites():
    assert i18n.choose_language("ru", "tr", "en", "en") == "ru"
    assert i18n.choose_language("", "tr", "ru", "en") == "tr"
    assert i18n.choose_language("", "", "ru-RU", "tr") == "ru"
    assert i18n.choose_language("", "", "de", "tr") == "tr"
    assert i18n.choose_language("", "xx", "", "zz") == "en"


@pytest.mark.parametrize(
    "code, expected",
    [
        ("en", ["Latest", "Categories", "Log in", "Sign up"]),
        ("tr", ["Son konular", "Kategoriler", "Giriş yap", "Kaydol"]),
        ("ru", ["Последние", "Категории", "Войти", "Зарегистрироваться"]),
    ],
)
async def test_a_guest_reads_pages_in_the_language_their_browser_asks_for(
    client, member, code, expected
):
    thread = await make_thread(member)
    for number in range(4):
        await make_reply(thread, member, f"Reply {number}")
    for url in ("/", "/categories", thread.url, "/register", "/login"):
        response = await client.get(url, headers={"accept-language": code})
        assert response.status_code == 200
        assert f'<html lang="{code}">' in response.text
    home = await client.get("/", headers={"accept-language": code})
    for text in expected:
        assert text in home.text, (code, text)


@pytest.mark.parametrize(
    "code, one, five",
    [("en", "1 reply", "5 replies"), ("tr", "1 yanıt", "5 yanıt"), ("ru", "1 ответ", "5 ответов")],
)
async def test_plurals_follow_each_languages_rules(client, member, code, one, five):
    single = await make_thread(member, title="One answer here")
    await make_reply(single, member)
    many = await make_thread(member, title="Five answers here")
    for _ in range(5):
        await make_reply(many, member)
    page = (await client.get("/", headers={"accept-language": code})).text
    assert one in page and five in page


async def test_a_guest_switches_language_from_the_footer(client, database):
    home = await client.get("/")
    assert 'href="/language/ru?next=/"' in home.text
    response = await client.get("/language/ru?next=/categories")
    assert response.status_code == 303 and response.headers["location"] == "/categories"
    assert "Категории" in (await client.get("/categories")).text
    assert (await client.get("/language/xx")).status_code == 404


async def test_the_language_switch_never_leaves_the_site(client, database):
    response = await client.get("/language/tr?next=https://evil.example/")
    assert response.headers["location"] == "/"


async def test_a_members_language_and_time_zone_settings_apply_everywhere(client, member):
    await login(client, member)
    response = await submit(
        client, "/settings/profile",
        {"display_name": "", "bio": "", "website": "", "language": "tr",
         "timezone": "Europe/Istanbul"},
    )  # fmt: skip
    assert response.status_code == 303
    stored = await User.get(id=member.id)
    assert (stored.language, stored.timezone) == ("tr", "Europe/Istanbul")
    page = await client.get("/settings/profile", headers={"accept-language": "ru"})
    assert '<html lang="tr">' in page.text and "Profil" in page.text


async def test_bad_language_or_time_zone_settings_are_refused_beside_the_field(client, member):
    await login(client, member)
    response = await submit(
        client, "/settings/profile",
        {"display_name": "", "bio": "keep", "website": "", "language": "xx",
         "timezone": "Mars/Olympus"},
    )  # fmt: skip
    assert response.status_code == 400
    assert 'id="language-error"' in response.text and 'id="timezone-error"' in response.text


async def test_dates_are_shown_in_the_readers_language_and_time_zone(database):
    moment = datetime(2026, 3, 5, 21, 30, tzinfo=UTC)
    with i18n.language("tr", "Europe/Istanbul"):
        assert i18n.format_datetime(moment) == "6 Mar 2026 00:30"
    with i18n.language("ru", "Europe/Moscow"):
        assert i18n.format_datetime(moment) == "6 мар. 2026\u202fг., 00:30"
    with i18n.language("en", "UTC"):
        assert i18n.format_datetime(moment) == "Mar 5, 2026, 9:30\u202fPM"


def test_recent_moments_read_as_relative_time_in_each_language():
    now = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
    three_hours_ago = now - timedelta(hours=3)
    expected = {"en": "3 hours ago", "tr": "3 saat önce", "ru": "3 часа назад"}
    for code, text in expected.items():
        with i18n.language(code):
            assert i18n.format_relative(three_hours_ago, now) == text


async def test_the_manager_sets_the_communitys_name_default_language_and_time_zone(client, manager):
    await login(client, manager)
    response = await submit(
        client, "/admin/settings",
        {"name": "Lumio Topluluğu", "language": "tr", "timezone": "Europe/Istanbul",
         "hold_first_posts": "2", "trust_posts": "5", "trust_days": "3", "flags_to_hide": "4"},
    )  # fmt: skip
    assert response.status_code == 303
    settings = await site.get_all()
    assert (settings["language"], settings["hold_first_posts"]) == ("tr", "2")
    client.cookies.clear()
    home = await client.get("/", headers={"accept-language": "de"})
    assert '<html lang="tr">' in home.text and "Lumio Topluluğu" in home.text


async def test_bad_community_settings_keep_the_input(client, manager):
    await login(client, manager)
    response = await submit(
        client, "/admin/settings",
        {"name": "X", "language": "de", "timezone": "Nowhere", "hold_first_posts": "-1",
         "trust_posts": "x", "trust_days": "99", "flags_to_hide": ""},
    )  # fmt: skip
    assert response.status_code == 400
    fields = ("name", "language", "timezone", "hold_first_posts", "trust_posts", "trust_days")
    for name in (*fields, "flags_to_hide"):
        assert f'id="{name}-error"' in response.text


async def test_form_errors_come_back_in_the_readers_language(client, database):
    response = await submit(client, "/register", {"username": "a", "email": "x", "password": "y"})
    assert "Use at least 10 characters." in response.text
    client.cookies.set("forum_lang", "ru", domain="testserver.local")
    response = await submit(client, "/register", {"username": "a", "email": "x", "password": "y"})
    assert '<html lang="ru">' in response.text and "Use at least" not in response.text


@pytest.mark.parametrize("code, text", [("en", "1,234 posts"), ("tr", "1.234 gönderi")])
async def test_large_numbers_are_grouped_the_readers_way(client, database, code, text):
    from forum.threads.models import Category

    await Category.filter(slug="general").update(post_count=1234)
    page = await client.get("/categories", headers={"accept-language": code})
    assert text in page.text
