"""Recognition: the points ledger, each member's standing, and badges."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

LEVELS = ("bronze", "silver", "gold")


# One change of a member's points, with why. Rows are only added: a change is undone by a
# row that takes the points back. `key` is unique, so a listener that runs twice (or a
# replay of the activity log) adds nothing new.
class PointEntry(Model):
    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "forum.User", related_name=False, on_delete=fields.CASCADE
    )
    points = fields.IntField()
    # reply, thread, like_received, like_given, accepted, idea_done, guest_post,
    # flag_upheld, adjustment, and "taken_back" for points a removal undid.
    reason = fields.CharField(max_length=24)
    key = fields.CharField(max_length=120, unique=True)
    # Where the points came from, for the itemised history and per-category boards.
    thread_id = fields.IntField(null=True)
    post_id = fields.IntField(null=True, db_index=True)
    category_id = fields.IntField(null=True)
    # A manual adjustment's words, or what was taken back.
    note = fields.CharField(max_length=300, default="")
    created_at = fields.DatetimeField()

    class Meta:
        table = "point_entry"
        indexes = (("user_id", "created_at"), ("created_at",), ("category_id", "created_at"))


# What a member's recognition adds up to, kept in step with the ledger so pages read one row.
class Standing(Model):
    id = fields.IntField(primary_key=True)
    user: fields.OneToOneRelation = fields.OneToOneField(
        "forum.User", related_name=False, on_delete=fields.CASCADE
    )
    points = fields.IntField(default=0)
    accepted_answers = fields.IntField(default=0)
    tier = fields.CharField(max_length=40, default="")
    tier_since = fields.DatetimeField(null=True)
    # When the member fell below their tier's threshold; demoted after the grace period.
    below_since = fields.DatetimeField(null=True)
    featured_badge_id = fields.IntField(null=True)
    # The member chose not to appear on the public leaderboard.
    hidden_from_board = fields.BooleanField(default=False)

    class Meta:
        table = "standing"
        indexes = (("points",),)


class Badge(Model):
    id = fields.IntField(primary_key=True)
    slug = fields.CharField(max_length=60, unique=True)
    name = fields.CharField(max_length=60)
    description = fields.CharField(max_length=300, default="")
    level = fields.CharField(max_length=8, default="bronze")
    # The rule that awards it automatically; empty for a badge the manager grants.
    rule = fields.CharField(max_length=40, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "badge"


class BadgeAward(Model):
    id = fields.IntField(primary_key=True)
    badge: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "forum.Badge", related_name="awards", on_delete=fields.CASCADE
    )
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "forum.User", related_name=False, on_delete=fields.CASCADE
    )
    # Unique: the same award twice is one award (an anniversary names its year).
    key = fields.CharField(max_length=120, unique=True)
    reason = fields.CharField(max_length=300, default="")
    granted_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "forum.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    awarded_at = fields.DatetimeField()
    # A time-boxed award ("Champion 2027") is no longer shown after this.
    expires_at = fields.DatetimeField(null=True)

    class Meta:
        table = "badge_award"
        indexes = (("user_id", "awarded_at"), ("badge_id", "awarded_at"))
