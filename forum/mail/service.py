"""Writing e-mail: each message is rendered from templates/email/ in its reader's language and
stored as an outbox row inside the caller's transaction; forum.mail.sender sends it later.

So a reply and the e-mail it causes exist together or not at all, and nothing is lost when the
SMTP server is down.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from itsdangerous import BadData, URLSafeTimedSerializer
from tortoise.expressions import Q

from forum import i18n
from forum.accounts.models import User
from forum.mail.models import OutboxMessage
from forum.settings import settings
from forum.site import models as site

# Account messages carry no unsubscribe link: they answer something the member just did.
ACCOUNT_KINDS = ("verify", "reset", "account_exists")


def sign(purpose: str, value: Any) -> str:
    """A URL-safe token for `value`, only valid for `purpose` (verify, reset, unsubscribe)."""
    return URLSafeTimedSerializer(settings.secret_key, salt=f"forum-{purpose}").dumps(value)


def unsign(purpose: str, token: str, max_age: int | None = None) -> Any | None:
    """The value behind a token, or None when it is forged, for another purpose or too old."""
    try:
        return URLSafeTimedSerializer(settings.secret_key, salt=f"forum-{purpose}").loads(
            token, max_age=max_age
        )
    except BadData:
        return None


def absolute(path: str) -> str:
    return settings.base_url + path


def unsubscribe_url(user_id: int, topic: str) -> str:
    """The one-click link that stops one kind of message (or "all") for one member."""
    return absolute(f"/unsubscribe/{sign('unsubscribe', [user_id, topic])}")


def one_line(text: str, limit: int) -> str:
    """Header text on one line: no CR or LF can reach a header."""
    return " ".join(text.split())[:limit]


def _message_id() -> str:
    host = urlsplit(settings.base_url).hostname or "localhost"
    return f"<{uuid.uuid4().hex}@{host}>"


async def enqueue(
    user: User,
    kind: str,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    topic: str | None = None,
    to_address: str | None = None,
    send_after: datetime | None = None,
) -> OutboxMessage:
    """Render `email/<template>.txt` (which sets `subject`) and `.html` for the member, in their
    language and time zone, and store the message. `topic` names what the unsubscribe link
    stops; account messages have none."""
    from forum.web import templates  # the one template environment; web imports features

    community = await site.get_all()
    unsubscribe = unsubscribe_url(user.id, topic) if topic else ""
    page = {
        "site": community, "user": user, "base_url": settings.base_url,
        "unsubscribe_url": unsubscribe, **(context or {}),
    }  # fmt: skip
    env = templates.env
    with i18n.language(user.language or community["language"],
                       user.timezone or community["timezone"]):  # fmt: skip
        text_part = env.get_template(f"email/{template}.txt").make_module(page)
        subject = one_line(str(getattr(text_part, "subject", "")), 300)
        html = env.get_template(f"email/{template}.html").render(page, subject=subject)
        text = str(text_part).strip() + "\n"
    headers = {"From-Name": one_line(community["name"], 100), "Auto-Submitted": "auto-generated"}
    if unsubscribe:
        headers["List-Unsubscribe"] = f"<{unsubscribe}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    moment = datetime.now(UTC)
    return await OutboxMessage.create(
        kind=kind, user=user, to_address=one_line(to_address or user.email, 254),
        to_name=one_line(user.name, 100), subject=subject, text=text, html=html,
        headers=headers, message_id=_message_id(), created_at=moment,
        send_after=send_after or moment,
    )  # fmt: skip


async def sent_to(user: User, limit: int = 100) -> list[OutboxMessage]:
    """What the forum mailed (or will mail) a member, newest first: staff see it, read-only."""
    return await OutboxMessage.filter(user_id=user.id).order_by("-id").limit(limit)


async def forget(user: User) -> int:
    """Drop every message to the member, sent or not (they deleted their account)."""
    addressed = Q(user_id=user.id)
    if user.email:
        addressed |= Q(to_address__iexact=user.email)
    return await OutboxMessage.filter(addressed).delete()
