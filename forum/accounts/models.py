"""Members and their server-side sessions."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from tortoise import fields
from tortoise.models import Model

from forum.i18n import gettext

ROLES = ("member", "moderator", "manager")


class User(Model):
    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=20)
    # fold(username): unique, so "Işık" and "ISIK" cannot both exist.
    username_key = fields.CharField(max_length=40, unique=True)
    email = fields.CharField(max_length=254)
    email_key = fields.CharField(max_length=254, unique=True)
    # Set when the member follows the link mailed to the address; until then only
    # account messages (the link itself, a password reset) are mailed to it.
    email_verified_at = fields.DatetimeField(null=True)
    password_hash = fields.CharField(max_length=200)
    role = fields.CharField(max_length=16, default="member")
    # A moderator the manager lets edit guest posts (the manager always may).
    blog_editor = fields.BooleanField(default=False, db_default=False)
    display_name = fields.CharField(max_length=50, default="")
    bio = fields.TextField(default="")
    bio_html = fields.TextField(default="")
    website = fields.CharField(max_length=200, default="")
    # Empty means "as the browser asks" (language) and "the community's" (time zone).
    language = fields.CharField(max_length=8, default="")
    timezone = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    last_seen_at = fields.DatetimeField(null=True)
    # When the visit before the current one ended: threads started since are "new" to them.
    previous_seen_at = fields.DatetimeField(null=True)
    # Signed up and has not yet followed the link mailed to the address: cannot sign in until
    # they do (so registering tells nobody whether an address already has an account).
    awaiting_confirmation = fields.BooleanField(default=False, db_default=False)
    # Signed up under the community's approval rules and not yet let in by a moderator.
    pending = fields.BooleanField(default=False, db_index=True)
    # Staff sanctions; each lifts itself when its time is up (None = until lifted by staff).
    suspended_at = fields.DatetimeField(null=True)
    suspended_until = fields.DatetimeField(null=True)
    suspension_reason = fields.CharField(max_length=500, default="")
    silenced_until = fields.DatetimeField(null=True)
    silence_reason = fields.CharField(max_length=500, default="")
    # The member deleted their account: the row stays, emptied of everything about them, so
    # the posts they chose to leave still have an author ("deleted member").
    deleted_at = fields.DatetimeField(null=True)

    class Meta:
        table = "users"

    is_authenticated = True

    @property
    def is_active(self) -> bool:
        """False while suspended (or once deleted): the member cannot sign in."""
        if self.deleted_at is not None:
            return False
        if self.suspended_at is None:
            return True
        return self.suspended_until is not None and self.suspended_until <= datetime.now(UTC)

    @property
    def is_silenced(self) -> bool:
        """True while silenced: the member reads but cannot post, like or flag."""
        return self.silenced_until is not None and self.silenced_until > datetime.now(UTC)

    @property
    def name(self) -> str:
        """What to call the member on a page: display name, else username."""
        if self.deleted_at is not None:
            return gettext("deleted member")
        return self.display_name or self.username

    @property
    def initials(self) -> str:
        words = self.name.split()
        letters = "".join(word[0] for word in words[:2]) if len(words) > 1 else self.name[:2]
        return letters.upper()

    @property
    def avatar_hue(self) -> int:
        """One of 12 avatar colours, stable for a username."""
        return int(hashlib.sha256(self.username_key.encode()).hexdigest(), 16) % 12

    @property
    def url(self) -> str:
        return f"/u/{self.username}"


class Session(Model):
    # sha256 of the random key in the member's cookie: a leaked table opens no sessions.
    id = fields.CharField(max_length=64, primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "forum.User", related_name="sessions", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    last_seen_at = fields.DatetimeField(auto_now_add=True)
    user_agent = fields.CharField(max_length=200, default="")

    class Meta:
        table = "session"
