"""What a member is told in the forum, what they watch, and how they want to hear of it."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

# What a member chooses how to hear about: in the forum and by e-mail, in the forum only, or
# not at all. A later feature adds its own (badges, guest-post steps, poll follow-ups).
TOPICS = (
    "reply", "quote", "mention", "thread", "like", "solved", "moderation", "flag", "badge",
    "guest_post", "poll",
    "idea_status",
)  # fmt: skip
# A guest post's author and editors wait on each other: they hear of every step by e-mail too.
# Members who voted for an idea (or proposed it) asked to be heard: a status change is the
# answer, rare for each idea, and worth an e-mail unless they say otherwise.
EMAIL_BY_DEFAULT = ("reply", "quote", "mention", "guest_post", "idea_status")
CHANNELS = ("email", "app", "off")
# A member must always be able to learn why staff changed their post.
CANNOT_SWITCH_OFF = ("moderation",)

# Watching levels, per thread and per category (a thread's own level wins).
MUTED, NORMAL, TRACKING, WATCHING = 0, 1, 2, 3
LEVELS = {"muted": MUTED, "normal": NORMAL, "tracking": TRACKING, "watching": WATCHING}
# A thread row that only keeps the member's read position (they opened the thread but chose
# no level): it has no level of its own, so the category's (or normal) applies.
UNSET = -1

DIGESTS = ("weekly", "daily", "never")


class Notification(Model):
    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "forum.User", related_name=False, on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=32)
    # The latest member behind it; `others` more were folded into it ("Ana and 4 others").
    actor: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "forum.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    others = fields.IntField(default=0)
    thread: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "forum.Thread", related_name=False, null=True, on_delete=fields.CASCADE
    )
    post: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "forum.Post", related_name=False, null=True, on_delete=fields.CASCADE
    )
    # Words to show with it: a moderator's reason, a badge's name.
    text = fields.CharField(max_length=500, default="")
    url = fields.CharField(max_length=300, default="")
    created_at = fields.DatetimeField()
    read_at = fields.DatetimeField(null=True)
    # When it is to be mailed if still unread; None once mailed, read, or not for e-mail.
    email_due_at = fields.DatetimeField(null=True, db_index=True)

    class Meta:
        table = "notification"
        # A new post finds its watchers' unread replies to fold into from the thread's index
        # alone. One index by member: each serves every member's page and unread count, and
        # a post that tells hundreds writes one of its pages per member told.
        indexes = (
            ("user_id", "read_at"),
            ("thread_id", "read_at", "kind", "user_id"),
        )


# A member's level for one thread, and how far they have read it. (A comment, not a
# docstring: Tortoise copies docstrings into the schema, where an apostrophe breaks SQLite.)
class ThreadWatch(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "forum.User", related_name=False, on_delete=fields.CASCADE
    )
    thread: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "forum.Thread", related_name=False, on_delete=fields.CASCADE
    )
    level = fields.SmallIntField(default=NORMAL)
    last_read = fields.IntField(default=0)

    class Meta:
        table = "thread_watch"
        unique_together = (("user", "thread"),)
        # A new post's audience reads its watchers from this index alone (user_id in it).
        indexes = (("thread_id", "level", "user_id"),)


class CategoryWatch(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "forum.User", related_name=False, on_delete=fields.CASCADE
    )
    category: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "forum.Category", related_name=False, on_delete=fields.CASCADE
    )
    level = fields.SmallIntField(default=NORMAL)

    class Meta:
        table = "category_watch"
        unique_together = (("user", "category"),)
        indexes = (("category_id", "level", "user_id"),)  # as ThreadWatch's


# A member's level for a tag, as for a category: following a tag (tracking or watching)
# also brings its threads into the member's "For you" list.
class TagWatch(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "forum.User", related_name=False, on_delete=fields.CASCADE
    )
    tag: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "forum.Tag", related_name=False, on_delete=fields.CASCADE
    )
    level = fields.SmallIntField(default=NORMAL)

    class Meta:
        table = "tag_watch"
        unique_together = (("user", "tag"),)
        indexes = (("tag_id", "level"),)


# How a member wants to hear from the forum; a member without a row has the defaults.
class Preference(Model):
    id = fields.IntField(primary_key=True)
    user: fields.OneToOneRelation = fields.OneToOneField(
        "forum.User", related_name=False, on_delete=fields.CASCADE
    )
    # kind -> "email" | "app" | "off"; a kind not named has its default.
    channels = fields.JSONField(default=dict)
    digest = fields.CharField(max_length=8, default="weekly")
    no_email = fields.BooleanField(default=False)
    # At most this many notification e-mails a day (the community default when None).
    daily_cap = fields.IntField(null=True)
    last_digest_at = fields.DatetimeField(null=True)
    winback_sent_at = fields.DatetimeField(null=True)
    # Win-back messages sent with no visit since; they stop after two.
    winback_unanswered = fields.SmallIntField(default=0)

    class Meta:
        table = "notification_preference"
