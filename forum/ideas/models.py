"""Ideas: threads in an "ideas" category that members vote up and staff give a status."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

STATUSES = ("under_review", "planned", "in_progress", "done", "declined")


# The votes and status of one idea. Its id is its thread id, always given (a plain key: a
# one-to-one or non-generated key makes the migration state drift).
class Idea(Model):
    id = fields.IntField(primary_key=True)
    category_id = fields.IntField()
    vote_count = fields.IntField(default=0)
    # One of STATUSES, or empty while staff have not said anything.
    status = fields.CharField(max_length=16, default="")
    status_note = fields.CharField(max_length=300, default="")
    status_at = fields.DatetimeField(null=True)

    class Meta:
        table = "idea"
        indexes = (("category_id", "vote_count", "id"),)


class IdeaVote(Model):
    id = fields.IntField(primary_key=True)
    idea: fields.ForeignKeyRelation[Idea] = fields.ForeignKeyField(
        "forum.Idea", related_name=False, on_delete=fields.CASCADE
    )
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "forum.User", related_name=False, on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "idea_vote"
        unique_together = (("idea", "user"),)


# Each status staff gave an idea, with its note: the idea's visible history.
class IdeaStatusChange(Model):
    id = fields.IntField(primary_key=True)
    idea: fields.ForeignKeyRelation[Idea] = fields.ForeignKeyField(
        "forum.Idea", related_name=False, on_delete=fields.CASCADE
    )
    status = fields.CharField(max_length=16)
    note = fields.CharField(max_length=300, default="")
    actor: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "forum.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "idea_status_change"
        indexes = (("idea_id", "created_at"),)
