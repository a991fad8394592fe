"""Members' flags, the append-only audit log of staff actions, and private staff notes."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

FLAG_REASONS = ("spam", "inappropriate", "off_topic", "needs_staff", "other")
# Raised by the forum itself (no member behind it), e.g. a post matching a watched word.
SYSTEM_REASON = "watched_word"
RESOLUTIONS = ("upheld", "dismissed")


class Flag(Model):
    id = fields.IntField(primary_key=True)
    post: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "forum.Post", related_name="flags", on_delete=fields.CASCADE
    )
    # None for a flag the forum raised itself.
    user: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "forum.User", related_name="flags_made", null=True, on_delete=fields.CASCADE
    )
    reason = fields.CharField(max_length=16)
    note = fields.CharField(max_length=500, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    resolved_at = fields.DatetimeField(null=True)
    resolution = fields.CharField(max_length=16, default="")
    resolved_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "forum.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "flag"
        unique_together = (("post", "user"),)
        indexes = (("resolved_at", "created_at"),)


class AuditEntry(Model):
    """One staff action. Rows are only ever added: nothing updates or deletes them."""

    id = fields.BigIntField(primary_key=True)
    actor: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "forum.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    action = fields.CharField(max_length=40)
    target_type = fields.CharField(max_length=16)
    target_id = fields.IntField()
    # What the target was called at the time, so the log reads well after renames.
    target_label = fields.CharField(max_length=200, default="")
    target_url = fields.CharField(max_length=300, default="")
    reason = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "audit_entry"
        indexes = (
            ("created_at",),
            ("actor_id", "created_at"),
            ("target_type", "target_id"),
        )


class StaffNote(Model):
    """A private, dated, signed note about a member, read only by staff."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "forum.User", related_name="staff_notes", on_delete=fields.CASCADE
    )
    author: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "forum.User", related_name=False, on_delete=fields.RESTRICT
    )
    body = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "staff_note"
        indexes = (("user_id", "created_at"),)
