"""The outbox: every e-mail is a row first, sent later by the worker."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class OutboxMessage(Model):
    id = fields.BigIntField(primary_key=True)
    # verify, reset, welcome, notification, digest, winback
    kind = fields.CharField(max_length=32)
    user: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "forum.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    to_address = fields.CharField(max_length=254)
    to_name = fields.CharField(max_length=100, default="")
    subject = fields.CharField(max_length=300)
    text = fields.TextField()
    html = fields.TextField()
    # Extra headers, e.g. List-Unsubscribe; names and values are checked when the row is made.
    headers = fields.JSONField(default=dict)
    # Fixed when the row is made, so a retried message is recognisably the same message.
    message_id = fields.CharField(max_length=200, unique=True)
    created_at = fields.DatetimeField()
    # Not before this time: set on retries (back-off).
    send_after = fields.DatetimeField()
    # A worker holds the message until this time; after it, another may take it over.
    claimed_until = fields.DatetimeField(null=True)
    # Which worker holds it (forum/mail/inflight.py): when that one dies, the next round on its
    # machine settles the claim at once rather than when the lease ends.
    claimed_by = fields.CharField(max_length=100, null=True)
    attempts = fields.SmallIntField(default=0)
    last_error = fields.CharField(max_length=500, default="")
    sent_at = fields.DatetimeField(null=True)
    # Gave up after too many attempts.
    failed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox_message"
        indexes = (("sent_at", "failed_at", "send_after"), ("user_id", "created_at"))
