"""Sending the outbox: claim the rows that are due, send each one, mark it sent or retry later.

Nothing is silently lost: a row leaves the table's queue only when the server has accepted it
(`sent_at`) or when it cannot ever be sent (`failed_at`). And each message is handed to the
SMTP server once, even when the process sending it is killed:
- Every claim names its worker (`claimed_by`, see forum/mail/inflight.py). When a worker has
  died, the next round on the same machine releases its claims at once, not after their lease,
  and records as sent the message it had handed over when it died.
- "Handed over" starts just before the final "." of the message: until the "." arrives, a
  server throws away a message whose connection breaks, so a message not yet handed over is
  sent again and one handed over is not.
What is left: if the forum dies in the instant between marking a message handed over and the
"." leaving (a few bytecodes, no system call), or the server refuses a message after its "."
while the forum is dead, that message counts as sent and never arrives. If the connection
drops after the "." but before the server's answer while the forum lives, the message is sent
again, with the same Message-ID, so a receiving server or reader can recognise the repeat.
Workers on another machine (PostgreSQL) that die hold their claims until the lease runs out.

SMTP_URL (`settings.smtp_url`):
  smtp://host:port                       plain SMTP (port 25 by default)
  smtp://user:pass@host:587?starttls=1   upgrade with STARTTLS before logging in; refuse to go
                                         on when the server does not offer it
  smtps://user:pass@host:465             TLS from the first byte (port 465 by default)
A user name or password with reserved characters is percent-encoded (`p%40ss` for `p@ss`).
Certificates are checked against the system's trust store. Empty: each message is written to
`<data_dir>/mail/` as an .eml file that any mail program opens.
"""

from __future__ import annotations

import asyncio
import email.policy
import ipaddress
import logging
import os
import re
import smtplib
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from tortoise.expressions import F, Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from forum.mail import inflight
from forum.mail.models import OutboxMessage
from forum.settings import settings

log = logging.getLogger("forum.mail")

# A worker holds the rows it claimed this long; after it, another worker may take them over.
LEASE = timedelta(minutes=5)
# Stop starting new messages this long before the lease runs out; the rest are released.
LEASE_MARGIN = timedelta(minutes=1)
# Messages claimed (and sent over one connection) at a time.
BATCH = 50
# After this many failed attempts a message is given up (failed_at). With the back-off below,
# the last attempt comes about 20 hours after the first, so a night-long outage loses nothing.
MAX_ATTEMPTS = 12
# The wait after the first failure; it doubles after each further one, up to LONGEST_RETRY.
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)
# Seconds to wait for the SMTP server to connect or to answer one command.
SMTP_TIMEOUT = 30.0
# last_error keeps this many characters (the column holds 500).
ERROR_LENGTH = 300
# Under the data folder: each sending process's file of the message it is handing over.
INFLIGHT_FOLDER = "outbox"

# policy.SMTP (CRLF line ends, header checks) with 7-bit bodies: non-ASCII text is sent as
# quoted-printable or base64, which every relay accepts, 8BITMIME or not.
POLICY = email.policy.SMTP.clone(cte_type="7bit")
# Headers build_message writes itself: a row's extra headers may not set them.
RESERVED_HEADERS = frozenset(
    {
        "from", "sender", "to", "cc", "bcc", "subject", "date", "message-id", "mime-version",
        "content-type", "content-transfer-encoding", "return-path",
    }
)  # fmt: skip
# A header name is printable ASCII without spaces or colons (RFC 5322 section 2.2).
HEADER_NAME = re.compile(r"[!-9;-~]{1,76}")
# CR and LF, and the other characters some programs read as a line end.
LINE_BREAK = re.compile(r"[\r\n\x00\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


class TemporaryFailure(Exception):
    """The message may go through later: it is retried after a back-off."""


class PermanentFailure(Exception):
    """The message will never go through (refused recipient, malformed message)."""


class ConnectionLost(TemporaryFailure):
    """The server cannot be reached: every message left in the batch waits too."""


# --- Building a message


def _one_line(what: str, value: object) -> str:
    text = str(value)
    if LINE_BREAK.search(text):
        raise ValueError(f"{what} contains a line break")
    return text


def build_message(row: OutboxMessage) -> EmailMessage:
    """The e-mail for an outbox row: text and HTML alternatives, UTF-8, the row's headers.

    Raises ValueError for anything that could smuggle a header (a line break in any header
    name or value, a header the sender sets itself) or is not a valid address."""
    extra = dict(row.headers or {})
    mail_from_name, mail_from_address = parseaddr(settings.mail_from)
    from_name = extra.pop("From-Name", None) or mail_from_name
    message = EmailMessage(policy=POLICY)
    message["From"] = Address(
        display_name=_one_line("From-Name", from_name),
        addr_spec=_one_line("MAIL_FROM", mail_from_address or settings.mail_from),
    )
    message["To"] = Address(
        display_name=_one_line("to_name", row.to_name),
        addr_spec=_one_line("to_address", row.to_address),
    )
    message["Subject"] = _one_line("subject", row.subject)
    message["Date"] = format_datetime(row.created_at)
    message_id = _one_line("message_id", row.message_id).strip()
    message["Message-ID"] = message_id if message_id.startswith("<") else f"<{message_id}>"
    for name, value in extra.items():
        if not HEADER_NAME.fullmatch(str(name)) or str(name).lower() in RESERVED_HEADERS:
            raise ValueError(f"header {_one_line('header name', name)!r} is not allowed")
        message[name] = _one_line(name, value)
    message.set_content(row.text)
    message.add_alternative(row.html, subtype="html")
    return message


# --- Transports


class Transport(Protocol):
    async def send(self, row: OutboxMessage, message: EmailMessage) -> None: ...

    async def close(self) -> None: ...


class FolderTransport:
    """No SMTP server: each message becomes `<data_dir>/mail/<created date>-<id>.eml`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def send(self, row: OutboxMessage, message: EmailMessage) -> None:
        path = self.folder / f"{row.created_at:%Y-%m-%d}-{row.id}.eml"
        try:
            await asyncio.to_thread(_write_atomically, path, message.as_bytes())
        except OSError as error:  # a full or read-only disk: try again later
            raise ConnectionLost(_describe(error)) from error
        except Exception as error:
            raise TemporaryFailure(_describe(error)) from error

    async def close(self) -> None:
        return None


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".eml.partial")
    partial.write_bytes(data)
    os.replace(partial, path)


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    tls: bool  # smtps://: TLS from the first byte
    starttls: bool  # smtp://...?starttls=1: upgrade before anything else is said
    username: str
    password: str

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        """Read SMTP_URL; raises ValueError when it is not an smtp:// or smtps:// URL."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("SMTP_URL must look like smtp://user:pass@host:port (or smtps://)")
        tls = parts.scheme == "smtps"
        flag = (parse_qs(parts.query).get("starttls") or ["0"])[-1].lower()
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if tls else 25),
            tls=tls,
            starttls=not tls and flag in ("1", "true", "yes", "on"),
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
        )


class SmtpTransport:
    """One SMTP connection for a batch, opened on the first message, driven from a thread.
    With a slot, each message is marked in it just before its final "." (see the top)."""

    def __init__(self, server: SmtpServer, slot: inflight.Slot | None = None) -> None:
        self.server = server
        self.slot = slot
        self.connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        server, context = self.server, ssl.create_default_context()
        helo = _helo_name()
        if server.tls:
            connection: smtplib.SMTP = smtplib.SMTP_SSL(
                server.host, server.port, local_hostname=helo, timeout=SMTP_TIMEOUT,
                context=context,
            )  # fmt: skip
        else:
            connection = smtplib.SMTP(
                server.host, server.port, local_hostname=helo, timeout=SMTP_TIMEOUT
            )
        try:
            if server.starttls:
                connection.starttls(context=context)  # raises unless the server offers it
            if server.username:
                connection.login(server.username, server.password)
        except BaseException:
            connection.close()
            raise
        return connection

    def _send(self, row: OutboxMessage, message: EmailMessage) -> None:
        if self.connection is None:
            self.connection = self._connect()
        # The envelope names the one recipient of the row, whatever the headers say.
        sender = parseaddr(settings.mail_from)[1] or settings.mail_from
        _transact(self.connection, sender, row, message, self.slot)

    async def send(self, row: OutboxMessage, message: EmailMessage) -> None:
        sending = asyncio.ensure_future(asyncio.to_thread(self._send, row, message))
        try:
            await asyncio.shield(sending)
        except asyncio.CancelledError:
            # The thread goes on with the message (see deliver_due); hang up when it is done.
            sending.add_done_callback(self._hang_up_after)
            raise
        except smtplib.SMTPRecipientsRefused as error:
            code, reply = next(iter(error.recipients.values()))
            failure = PermanentFailure if code >= 500 else TemporaryFailure
            raise failure(self._describe_reply(code, reply)) from error
        except smtplib.SMTPSenderRefused as error:
            # MAIL_FROM refused: the forum's configuration, not this message; fixable, so retry.
            reply = self._describe_reply(error.smtp_code, error.smtp_error)
            raise TemporaryFailure(reply) from error
        except smtplib.SMTPDataError as error:
            failure = PermanentFailure if error.smtp_code >= 500 else TemporaryFailure
            raise failure(self._describe_reply(error.smtp_code, error.smtp_error)) from error
        except smtplib.SMTPNotSupportedError as error:
            if self.connection is None:  # while connecting: no STARTTLS or no AUTH
                raise ConnectionLost(self._describe(error)) from error
            raise PermanentFailure(self._describe(error)) from error  # needs SMTPUTF8
        except (OSError, smtplib.SMTPException) as error:
            # Refused, timed out, disconnected, greeting or login refused: nothing more can be
            # sent on this connection; the rest of the batch waits for the next attempt.
            await self.close()
            raise ConnectionLost(self._describe(error)) from error
        except Exception as error:  # unforeseen: start afresh, retry this message later
            await self.close()
            raise TemporaryFailure(self._describe(error)) from error

    async def close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            await asyncio.to_thread(_quit, connection)

    def _hang_up_after(self, sending: asyncio.Future) -> None:
        if not sending.cancelled():
            sending.exception()  # its outcome is the next start's to settle
        connection, self.connection = self.connection, None
        if connection is not None:
            connection.close()

    def _describe_reply(self, code: int, reply: bytes | str) -> str:
        if isinstance(reply, bytes):
            reply = reply.decode("utf-8", "replace")
        return self._hide(f"SMTP {code} {reply}")

    def _describe(self, error: BaseException) -> str:
        return self._hide(_describe(error))

    def _hide(self, text: str) -> str:
        """No password in last_error or the log, should a server ever echo it."""
        if len(self.server.password) >= 4:
            text = text.replace(self.server.password, "***")
        return text


def _transact(
    connection: smtplib.SMTP, sender: str, row: OutboxMessage, message: EmailMessage,
    slot: inflight.Slot | None,
) -> None:  # fmt: skip
    """smtplib's send_message for the row's one recipient, with the message marked handed
    over in `slot` between its content and its final "."; the mark is cleared again when the
    server refuses it, or the connection fails, while this process lives to retry it."""
    recipient = row.to_address
    options: list[str] = []
    data = message.as_bytes()
    connection.ehlo_or_helo_if_needed()
    if not (sender.isascii() and recipient.isascii()):
        if not connection.has_extn("smtputf8"):
            raise smtplib.SMTPNotSupportedError(
                "an address needs SMTPUTF8, which the server does not offer"
            )
        options = ["SMTPUTF8", "BODY=8BITMIME"]
        data = message.as_bytes(policy=message.policy.clone(utf8=True))
    if connection.does_esmtp and connection.has_extn("size"):
        options.append(f"size={len(data)}")
    code, reply = connection.mail(sender, options)
    if code != 250:
        _abandon(connection, code)
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    code, reply = connection.rcpt(recipient)
    if code not in (250, 251):
        _abandon(connection, code)
        raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
    code, reply = connection.docmd("DATA")
    if code != 354:
        _abandon(connection, code)
        raise smtplib.SMTPDataError(code, reply)
    content = re.sub(rb"(?m)^\.", b"..", data)  # a line's leading dot is doubled
    if not content.endswith(b"\r\n"):
        content += b"\r\n"
    connection.send(content)
    if slot is not None:
        slot.handing_over(row.id)  # from here on the server may have it
    try:
        connection.send(b".\r\n")
        code, reply = connection.getreply()
    except BaseException:
        if slot is not None:
            slot.clear()
        raise
    if code != 250:
        if slot is not None:
            slot.clear()
        _abandon(connection, code)
        raise smtplib.SMTPDataError(code, reply)


def _abandon(connection: smtplib.SMTP, code: int) -> None:
    """After a refusal: reset the transaction for the next message, or hang up on a 421."""
    if code == 421:
        connection.close()
        return
    try:
        connection.rset()
    except smtplib.SMTPServerDisconnected:
        pass


def _quit(connection: smtplib.SMTP) -> None:
    try:
        connection.quit()
    except (OSError, smtplib.SMTPException):
        connection.close()


def _helo_name() -> str:
    """The name the forum gives in EHLO: its public host name (an IP address in brackets)."""
    host = urlsplit(settings.base_url).hostname or "localhost"
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host
    return f"[{host}]"


def transport(slot: inflight.Slot | None = None) -> Transport:
    """The transport SMTP_URL names; raises ValueError when SMTP_URL is malformed."""
    if settings.smtp_url:
        return SmtpTransport(SmtpServer.from_url(settings.smtp_url), slot)
    return FolderTransport(settings.data_dir / "mail")


# --- The outbox


def _now() -> datetime:
    return datetime.now(UTC)


def _describe(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    if not isinstance(error, ValueError) and type(error).__name__ not in text:
        text = f"{type(error).__name__}: {text}"
    return text


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failure: 1, 2, 4 ... minutes, at most 6 hours."""
    return min(FIRST_RETRY * 2 ** min(attempts - 1, 20), LONGEST_RETRY)


def _due(now: datetime) -> QuerySet[OutboxMessage]:
    """Messages neither sent nor given up, whose time has come and that no worker holds."""
    return OutboxMessage.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        sent_at__isnull=True,
        failed_at__isnull=True,
        send_after__lte=now,
    )


async def _claim(limit: int, worker: str) -> list[OutboxMessage]:
    """Take up to `limit` due messages, oldest first, for this worker until the lease ends.

    On PostgreSQL, rows another worker is claiming right now are skipped (FOR UPDATE SKIP
    LOCKED); on SQLite the transaction holds the write lock from its start (BEGIN IMMEDIATE)."""
    now = _now()
    # Most rounds find nothing: a plain read then, without taking SQLite's write lock.
    if not await _due(now).exists():
        return []
    async with in_transaction():
        rows = (
            await _due(now)
            .order_by("send_after", "id")
            .limit(limit)
            .select_for_update(skip_locked=True)
        )
        if rows:
            await OutboxMessage.filter(id__in=[row.id for row in rows]).update(
                claimed_until=now + LEASE, claimed_by=worker
            )
    return rows


def _inflight_folder() -> Path:
    return settings.data_dir / INFLIGHT_FOLDER


async def _settle_dead_workers() -> None:
    """Settle the claims of this machine's sending processes that died (forum/mail/inflight.py):
    what one had handed over is sent; the rest of its claims are free for this round."""
    for dead in inflight.dead(_inflight_folder()):
        # Only unsent rows (the queue's index), and only while the dead one still holds them.
        held = OutboxMessage.filter(
            claimed_by=dead.name, sent_at__isnull=True, failed_at__isnull=True
        )
        if dead.handed_over:
            handed = await held.filter(id__in=dead.handed_over).update(
                sent_at=_now(), claimed_until=None, claimed_by=None,
                attempts=F("attempts") + 1,
            )  # fmt: skip
            if handed:
                log.warning(
                    "worker %s died after handing message %s to the SMTP server: recorded as sent",
                    dead.name, dead.handed_over,
                )  # fmt: skip
        if released := await held.update(claimed_until=None, claimed_by=None):
            log.info("released %d messages claimed by worker %s, which died", released, dead.name)
        dead.forget()


async def _mark_sent(row: OutboxMessage) -> None:
    await OutboxMessage.filter(id=row.id).update(
        sent_at=_now(), claimed_until=None, claimed_by=None, attempts=row.attempts + 1
    )
    log.info("sent %s message %d", row.kind, row.id)


async def _fail(row: OutboxMessage, error: str) -> None:
    await OutboxMessage.filter(id=row.id).update(
        failed_at=_now(), claimed_until=None, claimed_by=None, attempts=row.attempts + 1,
        last_error=error[:ERROR_LENGTH],
    )  # fmt: skip
    log.error("gave up %s message %d: %s", row.kind, row.id, error)


async def _retry(row: OutboxMessage, error: str) -> None:
    attempts = row.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        await _fail(row, f"{attempts} attempts; last: {error}")
        return
    wait = backoff(attempts)
    await OutboxMessage.filter(id=row.id).update(
        attempts=attempts, send_after=_now() + wait, claimed_until=None, claimed_by=None,
        last_error=error[:ERROR_LENGTH],
    )  # fmt: skip
    log.warning("%s message %d not sent (%s); retrying in %s", row.kind, row.id, error, wait)


async def _release(rows: list[OutboxMessage]) -> None:
    """Give rows back untried, for the next round (no attempt is counted)."""
    await OutboxMessage.filter(id__in=[row.id for row in rows]).update(
        claimed_until=None, claimed_by=None
    )


async def deliver_due(limit: int = BATCH) -> int:
    """Send up to `limit` messages that are due; returns how many were sent.

    First the claims of this machine's dead workers are settled (see the top). Each success is
    recorded at once. A refused recipient or a malformed message fails that message for good;
    anything the server may get over (unreachable, 4xx, a timeout) is retried with back-off.
    Cancelled (the server is stopping), the round gives back the messages it has not started;
    the one being sent finishes in its thread, and the next start settles it."""
    try:
        worker = inflight.current(_inflight_folder())
    except OSError as error:  # a read-only data folder: mail goes out, as at least once
        global _no_file_warned
        if not _no_file_warned:
            log.warning("no in-flight file (%s): a dead worker's claims wait for the lease", error)
            _no_file_warned = True
        outgoing = transport()
        return await _send_claimed(await _claim(limit, inflight.fallback_name()), outgoing)
    await _settle_dead_workers()
    with worker.slot() as slot:
        outgoing = transport(slot)  # a malformed SMTP_URL raises here, before any row is claimed
        rows = await _claim(limit, worker.name)
        return await _send_claimed(rows, outgoing)


_no_file_warned = False


async def _send_claimed(rows: list[OutboxMessage], outgoing: Transport) -> int:
    deadline = time.monotonic() + (LEASE - LEASE_MARGIN).total_seconds()
    sent = 0
    close = True
    try:
        for index, row in enumerate(rows):
            if time.monotonic() > deadline:
                await _release(rows[index:])
                break
            try:
                message = build_message(row)
                message.as_bytes()  # what cannot be written out now never can
            except Exception as error:
                await _fail(row, f"malformed message: {_describe(error)}")
                continue
            try:
                await outgoing.send(row, message)
            except ConnectionLost as error:
                for waiting in rows[index:]:
                    await _retry(waiting, str(error))
                break
            except TemporaryFailure as error:
                await _retry(row, str(error))
                continue
            except PermanentFailure as error:
                await _fail(row, str(error))
                continue
            except asyncio.CancelledError:
                # The thread still owns the connection: no QUIT from here.
                close = False
                await _release(rows[index + 1 :])
                raise
            await _mark_sent(row)
            sent += 1
    finally:
        if close:
            await outgoing.close()
    return sent
