"""Polls in threads: the question, its options and who chose what."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise import fields
from tortoise.models import Model


# A poll carried by a thread (at most one). Results show after voting or after closing.
class Poll(Model):
    id = fields.IntField(primary_key=True)
    thread: fields.OneToOneRelation = fields.OneToOneField(
        "forum.Thread", related_name=False, on_delete=fields.CASCADE
    )
    question = fields.CharField(max_length=200)
    # Several choices per voter, up to max_choices (None: as many as there are options).
    multiple = fields.BooleanField(default=False)
    max_choices = fields.SmallIntField(null=True)
    closes_at = fields.DatetimeField(null=True, db_index=True)
    closed_at = fields.DatetimeField(null=True)
    voter_count = fields.IntField(default=0)
    # The author and the manager are reminded once, when it closes, to post a follow-up.
    reminded_at = fields.DatetimeField(null=True)
    # The staff reply that answers it ("what we will do about it"); voters are told.
    follow_up_post_id = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "poll"
        indexes = (("closed_at", "follow_up_post_id"),)

    @property
    def is_closed(self) -> bool:
        """Closed by hand, or past its closing time (before the worker has recorded it)."""
        if self.closed_at is not None:
            return True
        return self.closes_at is not None and self.closes_at <= datetime.now(UTC)


class PollOption(Model):
    id = fields.IntField(primary_key=True)
    poll: fields.ForeignKeyRelation[Poll] = fields.ForeignKeyField(
        "forum.Poll", related_name="options", on_delete=fields.CASCADE
    )
    position = fields.SmallIntField()
    text = fields.CharField(max_length=200)
    vote_count = fields.IntField(default=0)

    class Meta:
        table = "poll_option"
        indexes = (("poll_id", "position"),)


class PollVote(Model):
    id = fields.IntField(primary_key=True)
    poll: fields.ForeignKeyRelation[Poll] = fields.ForeignKeyField(
        "forum.Poll", related_name=False, on_delete=fields.CASCADE
    )
    option: fields.ForeignKeyRelation[PollOption] = fields.ForeignKeyField(
        "forum.PollOption", related_name=False, on_delete=fields.CASCADE
    )
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "forum.User", related_name=False, on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "poll_vote"
        unique_together = (("option", "user"),)
        indexes = (("poll_id", "user_id"),)
