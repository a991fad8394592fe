"""The outbox sender against a real SMTP server (aiosmtpd over TCP), and without one."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest

from forum.mail import sender
from forum.mail.models import OutboxMessage
from forum.settings import settings
from tests.mail.conftest import make_message


def _closed_port() -> str:
    """An SMTP URL where nothing listens: the server is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"smtp://127.0.0.1:{probe.getsockname()[1]}"


def _lines(part: EmailMessage) -> list[str]:
    return part.get_content().splitlines()


async def _make_due_again(row: OutboxMessage) -> None:
    """As if the back-off had passed."""
    past = datetime.now(UTC) - timedelta(seconds=1)
    await OutboxMessage.filter(id=row.id).update(send_after=past)


async def test_a_queued_message_is_delivered_over_smtp_once(database, smtp_server, monkeypatch):
    monkeypatch.setattr(settings, "mail_from", "community@acme.test")
    row = await make_message(
        to_address="cagri@example.com",
        to_name="Çağrı Ölmez",
        subject="Yeni yanıt: «Сброс настроек»",
        text="Merhaba Çağrı, Борис ответил.\n",
        html="<p>Merhaba Çağrı, <b>Борис</b> ответил.</p>\n",
        headers={
            "From-Name": "Acme Topluluğu",
            "List-Unsubscribe": "<https://forum.test/unsubscribe/abc>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )

    assert await sender.deliver_due() == 1

    [received] = smtp_server.received
    message = received.message
    assert received.recipients == ["cagri@example.com"]
    assert received.sender == "community@acme.test"
    assert message["From"].addresses[0].display_name == "Acme Topluluğu"
    assert message["From"].addresses[0].addr_spec == "community@acme.test"
    assert message["To"].addresses[0].display_name == "Çağrı Ölmez"
    assert message["To"].addresses[0].addr_spec == "cagri@example.com"
    assert message["Subject"] == "Yeni yanıt: «Сброс настроек»"
    assert message["Message-ID"] == row.message_id
    assert message["Date"]
    assert message["List-Unsubscribe"] == "<https://forum.test/unsubscribe/abc>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Auto-Submitted"] == "auto-generated"
    assert "From-Name" not in message  # a note to the sender, not a header
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.iter_parts()
    assert text.get_content_type() == "text/plain"
    # Text travels in MIME's canonical form, lines ending in CRLF.
    assert _lines(text) == ["Merhaba Çağrı, Борис ответил."]
    assert html.get_content_type() == "text/html"
    assert _lines(html) == ["<p>Merhaba Çağrı, <b>Борис</b> ответил.</p>"]

    await row.refresh_from_db()
    assert row.sent_at is not None and row.claimed_until is None and row.failed_at is None
    assert await sender.deliver_due() == 0
    assert len(smtp_server.received) == 1  # never twice


async def test_without_smtp_url_messages_are_written_to_the_mail_folder(database, monkeypatch):
    monkeypatch.setattr(settings, "smtp_url", "")
    row = await make_message(subject="Bienvenue, Çağrı", text="Hoş geldin!\n", html="<p>Hi</p>\n")

    assert await sender.deliver_due() == 1

    [path] = (settings.data_dir / "mail").iterdir()
    assert path.name == f"{row.created_at:%Y-%m-%d}-{row.id}.eml"
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert message["Subject"] == "Bienvenue, Çağrı"
    assert message["To"] == "Ana <ana@example.com>"
    assert message["Message-ID"] == row.message_id
    assert _lines(message.get_body(("plain",))) == ["Hoş geldin!"]
    assert _lines(message.get_body(("html",))) == ["<p>Hi</p>"]
    await row.refresh_from_db()
    assert row.sent_at is not None
    assert await sender.deliver_due() == 0
    assert len(list((settings.data_dir / "mail").iterdir())) == 1


async def test_a_message_waits_while_the_server_is_down_and_goes_out_once_it_is_up(
    database, smtp_server, monkeypatch
):
    row = await make_message()
    monkeypatch.setattr(settings, "smtp_url", _closed_port())

    assert await sender.deliver_due() == 0

    await row.refresh_from_db()
    assert row.sent_at is None and row.failed_at is None and row.claimed_until is None
    assert row.attempts == 1
    assert "refused" in row.last_error.lower()
    assert row.send_after > datetime.now(UTC) + timedelta(seconds=30)
    assert await sender.deliver_due() == 0  # not due before its back-off ends
    assert await OutboxMessage.filter(id=row.id).values_list("attempts", flat=True) == [1]

    monkeypatch.setattr(settings, "smtp_url", smtp_server.url)
    await _make_due_again(row)
    assert await sender.deliver_due() == 1
    assert await sender.deliver_due() == 0

    assert [message["Message-ID"] for message in smtp_server.messages] == [row.message_id]
    await row.refresh_from_db()
    assert row.sent_at is not None and row.attempts == 2


async def test_starttls_asked_for_but_not_offered_sends_nothing_in_the_clear(
    database, smtp_server, monkeypatch
):
    row = await make_message()
    login = f"smtp://forum:s3cret-pw@127.0.0.1:{smtp_server.port}?starttls=1"
    monkeypatch.setattr(settings, "smtp_url", login)  # this server offers no STARTTLS

    assert await sender.deliver_due() == 0

    assert smtp_server.received == []
    await row.refresh_from_db()
    assert row.sent_at is None and row.failed_at is None and row.attempts == 1
    assert "STARTTLS" in row.last_error and "s3cret" not in row.last_error


async def test_a_temporary_refusal_is_retried_later_without_holding_up_the_batch(
    database, smtp_server
):
    greylisted = await make_message(to_address="grey@example.com")
    other = await make_message(to_address="boris@example.com")

    async def greylist(envelope) -> str | None:
        return "451 4.7.1 Greylisted, try again later" if "grey@" in envelope.rcpt_tos[0] else None

    smtp_server.on_data = greylist
    assert await sender.deliver_due() == 1

    assert [message["Message-ID"] for message in smtp_server.messages] == [other.message_id]
    await greylisted.refresh_from_db()
    assert greylisted.sent_at is None and greylisted.failed_at is None
    assert greylisted.attempts == 1 and "451" in greylisted.last_error
    assert greylisted.send_after > datetime.now(UTC)

    smtp_server.on_data = None
    await _make_due_again(greylisted)
    assert await sender.deliver_due() == 1
    assert smtp_server.messages[-1]["Message-ID"] == greylisted.message_id


async def test_a_refused_recipient_fails_for_good_without_blocking_the_others(
    database, smtp_server
):
    first = await make_message(to_address="ana@example.com")
    gone = await make_message(to_address="gone@example.com")
    last = await make_message(to_address="boris@example.com")
    smtp_server.refuse["gone@example.com"] = "550 5.1.1 No such user here"

    assert await sender.deliver_due() == 2

    assert [message["Message-ID"] for message in smtp_server.messages] == [
        first.message_id,
        last.message_id,
    ]
    await gone.refresh_from_db()
    assert gone.failed_at is not None and gone.sent_at is None and gone.claimed_until is None
    assert "550" in gone.last_error and "No such user" in gone.last_error
    await _make_due_again(gone)
    assert await sender.deliver_due() == 0  # never tried again


@pytest.mark.parametrize(
    "fields",
    [
        {"subject": "Hello\r\nBcc: x@evil.test"},
        {"subject": "Hello\nBcc: x@evil.test"},
        {"to_name": "Ana\r\nBcc: x@evil.test"},
        {"to_address": "ana@example.com\r\nBcc: x@evil.test"},
        {"headers": {"List-Unsubscribe": "<https://forum.test/u>\r\nBcc: x@evil.test"}},
        {"headers": {"From-Name": "Acme\rBcc: x@evil.test"}},
        {"headers": {"X-Note\r\nBcc": "x@evil.test"}},
        {"headers": {"Bcc": "x@evil.test"}},
        {"message_id": "<a@forum.test>\r\nBcc: x@evil.test"},
        {"subject": "Hello\u2028Bcc: x@evil.test"},
    ],
)
async def test_a_line_break_in_a_header_never_smuggles_a_recipient(database, smtp_server, fields):
    bad = await make_message(**fields)
    good = await make_message()

    assert await sender.deliver_due() == 1

    assert [message["Message-ID"] for message in smtp_server.messages] == [good.message_id]
    for received in smtp_server.received:
        assert received.recipients == ["ana@example.com"]
        assert "Bcc" not in received.message
        assert b"evil" not in received.message.as_bytes()
    await bad.refresh_from_db()
    assert bad.failed_at is not None and bad.sent_at is None
    assert bad.last_error.startswith("malformed message")


async def test_a_message_that_cannot_be_built_fails_alone(database, smtp_server):
    broken = await make_message(headers=5)  # not a mapping of headers
    good = await make_message()

    assert await sender.deliver_due() == 1

    assert [message["Message-ID"] for message in smtp_server.messages] == [good.message_id]
    await broken.refresh_from_db()
    assert broken.failed_at is not None and "TypeError" in broken.last_error


async def test_concurrent_senders_send_each_message_exactly_once(database, smtp_server):
    rows = [await make_message(subject=f"Message {number}") for number in range(10)]

    counts = await asyncio.gather(*(sender.deliver_due(limit=3) for _ in range(4)))

    assert sum(counts) == 10
    received = sorted(message["Message-ID"] for message in smtp_server.messages)
    assert received == sorted(row.message_id for row in rows)
    assert await OutboxMessage.filter(sent_at__isnull=True).count() == 0
    assert await sender.deliver_due() == 0


async def test_a_message_is_given_up_after_the_last_attempt(database, monkeypatch):
    row = await make_message(attempts=sender.MAX_ATTEMPTS - 1)
    monkeypatch.setattr(settings, "smtp_url", _closed_port())

    assert await sender.deliver_due() == 0

    await row.refresh_from_db()
    assert row.failed_at is not None and row.sent_at is None
    assert row.attempts == sender.MAX_ATTEMPTS
    assert f"{sender.MAX_ATTEMPTS} attempts" in row.last_error


async def test_a_malformed_smtp_url_claims_nothing(database, monkeypatch):
    row = await make_message()
    monkeypatch.setattr(settings, "smtp_url", "mailto:someone@example.com")

    with pytest.raises(ValueError, match="SMTP_URL"):
        await sender.deliver_due()

    await row.refresh_from_db()
    assert row.claimed_until is None and row.attempts == 0


def test_retries_wait_longer_each_time_up_to_six_hours():
    waits = [sender.backoff(attempts) for attempts in range(1, 14)]
    assert waits[:4] == [timedelta(minutes=minutes) for minutes in (1, 2, 4, 8)]
    assert waits == sorted(waits)
    assert waits[-1] == timedelta(hours=6)
    assert sender.backoff(1000) == timedelta(hours=6)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.acme.test", ("mail.acme.test", 25, False, False, "", "")),
        (
            "smtp://forum%40acme.test:p%40ss:w@mail.acme.test:587?starttls=1",
            ("mail.acme.test", 587, False, True, "forum@acme.test", "p@ss:w"),
        ),
        ("smtps://u:p@mail.acme.test", ("mail.acme.test", 465, True, False, "u", "p")),
    ],
)
def test_smtp_url_names_the_server_its_security_and_the_login(url, expected):
    server = sender.SmtpServer.from_url(url)
    assert (
        server.host, server.port, server.tls, server.starttls, server.username, server.password
    ) == expected  # fmt: skip
