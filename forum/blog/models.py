"""Guest posts, from invitation or pitch to publication on the brand's blog."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

STATES = (
    "invited", "pitched", "accepted", "declined", "expired", "drafting", "submitted",
    "in_review", "changes_requested", "approved", "scheduled", "published", "withdrawn",
    "rejected", "unpublished",
)  # fmt: skip


class GuestPost(Model):
    id = fields.IntField(primary_key=True)
    author: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "forum.User", related_name=False, on_delete=fields.CASCADE
    )
    state = fields.CharField(max_length=20, db_index=True)
    # The invitation's topic and brief, or the author's pitch.
    topic = fields.CharField(max_length=200)
    brief = fields.TextField(default="")
    message = fields.TextField(default="")
    due_at = fields.DatetimeField(null=True)
    invited_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "forum.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    # The working draft (markdown); each save also keeps a GuestPostVersion.
    title = fields.CharField(max_length=150, default="")
    summary = fields.CharField(max_length=300, default="")
    body = fields.TextField(default="")
    cover = fields.CharField(max_length=100, default="")
    # What readers see, set when it is published (and by an approved correction).
    html = fields.TextField(default="")
    slug = fields.CharField(max_length=160, null=True, unique=True)
    publish_at = fields.DatetimeField(null=True, db_index=True)
    published_at = fields.DatetimeField(null=True, db_index=True)
    # The forum thread where readers discuss it.
    thread_id = fields.IntField(null=True)
    # The last decline, rejection or withdrawal's words.
    note = fields.TextField(default="")
    created_at = fields.DatetimeField()
    state_changed_at = fields.DatetimeField()

    class Meta:
        table = "guest_post"
        indexes = (("author_id", "state"), ("state", "state_changed_at"))


class GuestPostVersion(Model):
    id = fields.IntField(primary_key=True)
    post: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "forum.GuestPost", related_name="versions", on_delete=fields.CASCADE
    )
    number = fields.IntField()
    title = fields.CharField(max_length=150)
    summary = fields.CharField(max_length=300)
    body = fields.TextField()
    cover = fields.CharField(max_length=100, default="")
    # draft (saved by the author), submitted, or correction (a change to a live post that
    # waits for an editor); applied/declined corrections say so.
    kind = fields.CharField(max_length=12, default="draft")
    created_at = fields.DatetimeField()

    class Meta:
        table = "guest_post_version"
        unique_together = (("post", "number"),)


# One move of a guest post from state to state: the timeline both sides read.
class GuestPostStep(Model):
    id = fields.IntField(primary_key=True)
    post: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "forum.GuestPost", related_name="steps", on_delete=fields.CASCADE
    )
    actor: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "forum.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    action = fields.CharField(max_length=20)
    from_state = fields.CharField(max_length=20, default="")
    to_state = fields.CharField(max_length=20)
    note = fields.TextField(default="")
    created_at = fields.DatetimeField()

    class Meta:
        table = "guest_post_step"
        indexes = (("post_id", "created_at"),)


# Private to the author and the editors, never shown on the blog.
class EditorialComment(Model):
    id = fields.IntField(primary_key=True)
    post: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "forum.GuestPost", related_name="comments", on_delete=fields.CASCADE
    )
    author: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "forum.User", related_name=False, on_delete=fields.CASCADE
    )
    body = fields.TextField()
    version_number = fields.IntField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "editorial_comment"
        indexes = (("post_id", "created_at"),)
