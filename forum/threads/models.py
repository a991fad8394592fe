"""Categories, threads, posts (with their edit history) and likes."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from forum.text import slugify

CATEGORY_KINDS = ("discussion", "support", "ideas", "announcements")
# Who may start threads in a category.
START_ROLES = ("member", "staff")
POSTS_PER_PAGE = 20
# What may follow /t/<id>/ and open a page other than the thread's (routes that answer GET):
# no thread's slug may be one, or its own address would open that page.
ACTION_PATHS = ("reply", "poll")


def thread_slug(title: str) -> str:
    """The slug in a thread's address: its title's, unless that names an action page."""
    slug = slugify(title)
    return f"{slug}-topic" if slug in ACTION_PATHS else slug


class Category(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=60)
    slug = fields.CharField(max_length=60, unique=True)
    description = fields.TextField(default="")
    colour = fields.CharField(max_length=7, default="#3b6ea5")
    kind = fields.CharField(max_length=16, default="discussion")
    start_role = fields.CharField(max_length=8, default="member")
    position = fields.IntField(default=0)
    archived = fields.BooleanField(default=False)
    thread_count = fields.IntField(default=0)
    post_count = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "category"
        ordering = ["position", "id"]

    @property
    def url(self) -> str:
        return f"/c/{self.slug}"


class Thread(Model):
    id = fields.IntField(primary_key=True)
    category: fields.ForeignKeyRelation[Category] = fields.ForeignKeyField(
        "forum.Category", related_name="threads", on_delete=fields.RESTRICT
    )
    author: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "forum.User", related_name="threads", on_delete=fields.RESTRICT
    )
    title = fields.CharField(max_length=150)
    slug = fields.CharField(max_length=80)
    created_at = fields.DatetimeField(auto_now_add=True)
    # Keyset pagination of lists reads (last_posted_at, id) from an index.
    last_posted_at = fields.DatetimeField()
    last_poster: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "forum.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    # Posts ever written, deleted ones included: the next post's number is post_count + 1.
    post_count = fields.IntField(default=0)
    # Replies still shown (deleted ones not counted).
    reply_count = fields.IntField(default=0)
    like_count = fields.IntField(default=0)
    view_count = fields.IntField(default=0)
    locked = fields.BooleanField(default=False)
    pinned = fields.BooleanField(default=False)
    # When someone other than the author first answered, and when staff first did: the
    # community's response times are measured from these.
    first_reply_at = fields.DatetimeField(null=True)
    first_staff_reply_at = fields.DatetimeField(null=True)
    # Shown first on the latest page as well as in its category.
    pinned_globally = fields.BooleanField(default=False)
    # Opened by a new member and waiting for a moderator: only they and staff see it.
    held = fields.BooleanField(default=False)
    # The latest staff action on the thread, shown at its top ("Locked by a moderator: ...").
    notice_kind = fields.CharField(max_length=16, default="")
    notice_text = fields.CharField(max_length=300, default="")
    notice_at = fields.DatetimeField(null=True)
    deleted_at = fields.DatetimeField(null=True)
    # The accepted answer (support categories). Plain columns, not a foreign key: the post
    # already points at its thread, and the number links to it without another query.
    solution_post_id = fields.IntField(null=True)
    solution_number = fields.IntField(null=True)
    # The slugs of its tags, space-separated, so lists show them without another query.
    tags = fields.CharField(max_length=250, default="", db_default="")
    # Carries a poll (set by the polls feature): a thread page without one reads nothing more.
    has_poll = fields.BooleanField(default=False, db_default=False)

    class Meta:
        table = "thread"
        indexes = (
            ("last_posted_at", "id"),
            ("category_id", "last_posted_at", "id"),
            ("created_at",),
            ("category_id", "created_at"),
            ("pinned_globally", "last_posted_at"),
        )

    @property
    def url(self) -> str:
        return f"/t/{self.id}/{self.slug}"

    @property
    def page_count(self) -> int:
        return max(1, -(-self.post_count // POSTS_PER_PAGE))

    def post_url(self, number: int) -> str:
        page = (number - 1) // POSTS_PER_PAGE + 1
        suffix = f"?page={page}" if page > 1 else ""
        return f"{self.url}{suffix}#p{number}"


class Post(Model):
    id = fields.IntField(primary_key=True)
    thread: fields.ForeignKeyRelation[Thread] = fields.ForeignKeyField(
        "forum.Thread", related_name="posts", on_delete=fields.CASCADE
    )
    # 1 for the opening post, then 2, 3, ...: page N is the index range of numbers it holds.
    number = fields.IntField()
    author: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "forum.User", related_name="posts", on_delete=fields.RESTRICT
    )
    body = fields.TextField()
    html = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)
    edited_at = fields.DatetimeField(null=True)
    edit_count = fields.IntField(default=0)
    # Why staff last changed someone else's post; shown to its author.
    edit_reason = fields.CharField(max_length=500, default="")
    like_count = fields.IntField(default=0)
    deleted_at = fields.DatetimeField(null=True)
    deleted_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "forum.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    # Hidden by staff or by members' flags, pending review: shown to staff and, with the
    # reason, to its author; a placeholder to everyone else.
    hidden_at = fields.DatetimeField(null=True)
    hidden_reason = fields.CharField(max_length=500, default="")
    # A new member's post waiting for approval: counted nowhere until a moderator approves it.
    held = fields.BooleanField(default=False)

    class Meta:
        table = "post"
        unique_together = (("thread", "number"),)
        # A member's shown posts (their profile, the new-member checks) by the first two.
        indexes = (("author_id", "held", "created_at"), ("created_at",), ("held", "created_at"))

    @property
    def url(self) -> str:
        return self.thread.post_url(self.number)


class PostRevision(Model):
    """The text a post had before an edit, kept for staff to read."""

    id = fields.IntField(primary_key=True)
    post: fields.ForeignKeyRelation[Post] = fields.ForeignKeyField(
        "forum.Post", related_name="revisions", on_delete=fields.CASCADE
    )
    title = fields.CharField(max_length=150, null=True)
    body = fields.TextField()
    editor: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "forum.User", related_name=False, on_delete=fields.RESTRICT
    )
    # Given by staff editing someone else's post.
    reason = fields.CharField(max_length=500, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "post_revision"
        indexes = (("post_id", "created_at"),)


class Like(Model):
    id = fields.IntField(primary_key=True)
    post: fields.ForeignKeyRelation[Post] = fields.ForeignKeyField(
        "forum.Post", related_name="likes", on_delete=fields.CASCADE
    )
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "forum.User", related_name="likes", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "likes"
        unique_together = (("post", "user"),)
        # A member's latest likes ("For you": threads like the ones they liked).
        indexes = (("created_at",), ("user_id", "created_at"))


# A thread carries at most this many tags, from the list the manager curates.
MAX_TAGS = 5


class Tag(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=40)
    slug = fields.CharField(max_length=40, unique=True)
    description = fields.CharField(max_length=300, default="")
    # Shown threads carrying it.
    thread_count = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "tag"
        ordering = ["name", "id"]

    @property
    def url(self) -> str:
        return f"/tag/{self.slug}"


# A tag on a thread. The thread's last activity is copied here so a tag page pages by keyset
# from this table's own index.
class ThreadTag(Model):
    id = fields.IntField(primary_key=True)
    thread: fields.ForeignKeyRelation[Thread] = fields.ForeignKeyField(
        "forum.Thread", related_name=False, on_delete=fields.CASCADE
    )
    tag: fields.ForeignKeyRelation[Tag] = fields.ForeignKeyField(
        "forum.Tag", related_name=False, on_delete=fields.CASCADE
    )
    last_posted_at = fields.DatetimeField()

    class Meta:
        table = "thread_tag"
        unique_together = (("thread", "tag"),)
        indexes = (("tag_id", "last_posted_at", "thread_id"),)


# A post a member saved to find again, with an optional note to themselves.
class Bookmark(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "forum.User", related_name=False, on_delete=fields.CASCADE
    )
    post: fields.ForeignKeyRelation[Post] = fields.ForeignKeyField(
        "forum.Post", related_name=False, on_delete=fields.CASCADE
    )
    note = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "bookmark"
        unique_together = (("user", "post"),)
        indexes = (("user_id", "created_at"),)


WATCH_ACTIONS = ("block", "require_approval", "flag", "replace")


class WatchedWord(Model):
    """A word or phrase (* matches any letters) and what happens to a post that contains it."""

    id = fields.IntField(primary_key=True)
    word = fields.CharField(max_length=100)
    word_key = fields.CharField(max_length=200, unique=True)
    action = fields.CharField(max_length=20)
    replacement = fields.CharField(max_length=100, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "watched_word"
