"""Helpers for the outbox tests: rows made directly, as forum.mail.service would make them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from forum.mail.models import OutboxMessage


async def make_message(**fields) -> OutboxMessage:
    """A message due now, to ana@example.com, with a text and an HTML part."""
    created = datetime.now(UTC) - timedelta(seconds=1)
    data = {
        "kind": "notification",
        "to_address": "ana@example.com",
        "to_name": "Ana",
        "subject": "A new reply",
        "text": "Boris replied to your thread.\n",
        "html": "<p>Boris replied to your thread.</p>\n",
        "headers": {"From-Name": "Acme Community", "Auto-Submitted": "auto-generated"},
        "message_id": f"<{uuid.uuid4().hex}@forum.test>",
        "created_at": created,
        "send_after": created,
        **fields,
    }
    return await OutboxMessage.create(**data)
