"""Accounts: registration, sign-in, sessions, profiles and the first-run claim of the site."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from forum import events, i18n, markup, ratelimit
from forum.accounts.models import ROLES, Session, User
from forum.forms import Invalid, check_length, required_length
from forum.i18n import gettext as _
from forum.mail import service as mail
from forum.mail.models import OutboxMessage
from forum.settings import settings
from forum.site import models as site
from forum.text import fold

USERNAME = re.compile(r"^[\w-]{3,20}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PASSWORD_MIN, PASSWORD_MAX = 10, 200

# Sign-in lock-out: this many failures in the window lock the account (or the address).
LOGIN_WINDOW = 15 * 60
LOGIN_FAILURES_PER_ACCOUNT = 5
LOGIN_FAILURES_PER_CLIENT = 20
# Registrations from one address per hour.
REGISTRATIONS_PER_CLIENT = 5
REGISTRATION_WINDOW = 60 * 60

hasher = PasswordHasher()


class RateLimited(Exception):
    """Too many attempts; `message` says when to try again."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def session_id(key: str) -> str:
    """The stored id of a session: the cookie's key, hashed."""
    return hashlib.sha256(key.encode()).hexdigest()


async def hash_password(password: str) -> str:
    # Argon2 is deliberately slow; keep it off the event loop.
    return await asyncio.to_thread(hasher.hash, password)


async def password_matches(user: User, password: str) -> bool:
    try:
        return await asyncio.to_thread(hasher.verify, user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _check_password(errors: dict[str, str], field: str, password: str) -> None:
    if len(password) < PASSWORD_MIN:
        errors[field] = _("Use at least %(n)d characters.") % {"n": PASSWORD_MIN}
    elif len(password) > PASSWORD_MAX:
        errors[field] = _("Use at most %(n)d characters.") % {"n": PASSWORD_MAX}


async def _check_username(username: str) -> dict[str, str]:
    if not USERNAME.match(username):
        return {
            "username": _("Use 3 to 20 letters, digits, hyphens or underscores, without spaces.")
        }
    if await User.filter(username_key=fold(username)).exists():
        return {"username": _("That username is taken.")}
    return {}


async def _check_new_identity(username: str, email: str) -> dict[str, str]:
    return {**await _check_username(username), **await _check_email(email)}


def _email_errors(email: str) -> dict[str, str]:
    if not EMAIL.match(email) or len(email) > 254:
        return {"email": _("Enter an e-mail address like name@example.com.")}
    return {}


async def _check_email(email: str, exclude: User | None = None) -> dict[str, str]:
    if errors := _email_errors(email):
        return errors
    taken = User.filter(email_key=email.casefold())
    if exclude is not None:
        taken = taken.exclude(id=exclude.id)
    if await taken.exists():
        return {"email": _("That e-mail address already has an account.")}
    return {}


async def create_user(
    username: str,
    email: str,
    password: str,
    role: str = "member",
    *,
    actor_id: int | None = None,
    verified: bool = True,
    pending: bool = False,
    next_url: str = "/",
) -> User:
    """Create an account after checking every field; raises Invalid with per-field messages.
    `verified`: the address is trusted (created by staff or at setup). Otherwise this is a
    sign-up: the account cannot sign in until its holder follows the link mailed to the
    address, which then takes them to `next_url`. `pending`: a moderator must let it in too."""
    username, email = username.strip(), email.strip()
    errors = await _check_new_identity(username, email)
    _check_password(errors, "password", password)
    if role not in ROLES:
        errors["role"] = _("Unknown role.")
    if errors:
        raise Invalid(errors)
    password_hash = await hash_password(password)
    try:
        async with in_transaction():
            user = await User.create(
                username=username,
                username_key=fold(username),
                email=email,
                email_key=email.casefold(),
                password_hash=password_hash,
                role=role,
                email_verified_at=datetime.now(UTC) if verified else None,
                awaiting_confirmation=not verified,
                pending=pending,
            )
            await events.record(events.UserRegistered(actor_id=actor_id, user_id=user.id))
            if not verified:
                # In the same transaction: no account is left without its link.
                await send_verification(user, next_url)
    except IntegrityError:  # the same name or address registered a moment ago
        raise Invalid(await _check_new_identity(username, email)) from None
    return user


async def register(
    username: str, email: str, password: str, *, client: str, next_url: str = "/"
) -> None:
    """A visitor signs up: the account waits until they follow the link mailed to the address
    (then, under the community's approval rules, for a moderator too). When the address already
    has an account, its holder is told by e-mail instead and the visitor gets the very same
    answer, so the form cannot tell anyone which addresses have accounts. Usernames are public
    on profiles, so a taken one is said. `client` is the keyed hash of the visitor's network,
    for the rate limit."""
    if await ratelimit.hit("register", client, REGISTRATION_WINDOW) > REGISTRATIONS_PER_CLIENT:
        raise RateLimited(_("Too many sign-ups from your network. Please try again in an hour."))
    username, email = username.strip(), email.strip()
    errors = {**await _check_username(username), **_email_errors(email)}
    _check_password(errors, "password", password)
    if errors:
        raise Invalid(errors)
    holder = await User.filter(email_key=email.casefold()).first()
    if holder is None:
        try:
            await create_user(
                username, email, password, verified=False, next_url=next_url,
                pending=await _signup_needs_approval(email),
            )  # fmt: skip
            return
        except Invalid as error:  # raced with another sign-up for the same name or address
            if others := {k: v for k, v in error.errors.items() if k != "email"}:
                raise Invalid(others) from None
        holder = await User.filter(email_key=email.casefold()).first()
    else:
        await hash_password(password)  # the Argon2 work of a new account: no timing tell
    if holder is not None:
        await _tell_address_holder(holder, next_url)


async def _tell_address_holder(holder: User, next_url: str) -> None:
    """Someone signed up with an address that has an account: its holder gets a new link if
    they never finished signing up, else a note that they have an account and how to get in.
    A few an hour at most, so the form cannot be used to flood anyone's inbox; none to a
    suspended account, which could not get in anyway."""
    if not holder.is_active:
        return
    if await ratelimit.hit("verify-mail", holder.id, 3600) > MAILS_PER_ACCOUNT:
        return
    if holder.awaiting_confirmation:
        await send_verification(holder, next_url)
        return
    await mail.enqueue(
        holder, "account_exists", "account_exists",
        {"login": mail.absolute("/login"), "reset": mail.absolute("/password-reset")},
    )  # fmt: skip


async def _signup_needs_approval(email: str) -> bool:
    rules = await site.get_all()
    if rules["approve_signups"] == "all":
        return True
    domain = email.rsplit("@", 1)[-1].casefold()
    held = {d.strip().lstrip("@").casefold() for d in rules["held_email_domains"].split(",")}
    return domain in held - {""}


async def approve_signup(user: User) -> None:
    user.pending = False
    await user.save(update_fields=["pending"])


async def reject_signup(user: User) -> None:
    """Refuse a waiting sign-up: the account is removed (it never posted)."""
    await Session.filter(user_id=user.id).delete()
    await user.delete()


def _login_key(login: str) -> str:
    """The name a sign-in was tried with, folded and hashed with the site's key: failures count
    against it whether or not an account has it, so the lock-out cannot tell which names and
    addresses have one (nor link an address to a username), and no address is kept in the
    counters."""
    folded = login.casefold() if "@" in login else fold(login)
    digest = hmac.new(settings.secret_key.encode(), b"login:" + folded.encode(), "sha256")
    return digest.hexdigest()[:32]


async def authenticate(login: str, password: str, *, client: str) -> User:
    """Check a username-or-e-mail and password, with lock-out after repeated failures."""
    login = login.strip()
    locked = _("Too many failed sign-ins. Please wait 15 minutes and try again.")
    if await ratelimit.count("login-fail", client, LOGIN_WINDOW) >= LOGIN_FAILURES_PER_CLIENT:
        raise RateLimited(locked)
    account = _login_key(login)
    if (
        await ratelimit.count("login-fail-account", account, LOGIN_WINDOW)
        >= LOGIN_FAILURES_PER_ACCOUNT
    ):
        raise RateLimited(locked)
    field = "email_key" if "@" in login else "username_key"
    user = await User.filter(**{field: login.casefold() if "@" in login else fold(login)}).first()
    if user is None:
        await hash_password(password)  # the same Argon2 work as a wrong password: no timing tell
    if user is None or not await password_matches(user, password):
        await ratelimit.hit("login-fail", client, LOGIN_WINDOW)
        await ratelimit.hit("login-fail-account", account, LOGIN_WINDOW)
        # One message whether or not the account exists: no account enumeration.
        raise Invalid({"login": _("That username or e-mail and password do not match.")})
    if not user.is_active:
        raise Invalid({"login": suspension_message(user)})
    if user.awaiting_confirmation:
        try:
            await resend_verification(user)
            waiting = _("Confirm your e-mail address first: we have sent you the link again.")
        except RateLimited:
            waiting = _("Confirm your e-mail address first: open the link we sent you.")
        raise Invalid({"login": waiting})
    if user.pending:
        raise Invalid({"login": _("Your account is waiting for a moderator's approval.")})
    await ratelimit.reset("login-fail-account", account, LOGIN_WINDOW)
    return user


async def start_session(user: User, user_agent: str = "") -> str:
    """Create a session row and return the key for the member's cookie."""
    key = secrets.token_urlsafe(32)
    await Session.create(id=session_id(key), user=user, user_agent=user_agent[:200])
    await User.filter(id=user.id).update(**seen(user, datetime.now(UTC)))
    return key


# --- Visits: threads started since the previous one are "new" to the member

# This long without a request ends a visit.
VISIT_GAP = timedelta(hours=1)


def seen(user: User, moment: datetime) -> dict[str, datetime]:
    """The fields to write when the member is seen at `moment`: last seen, and when a new visit
    starts (nothing for an hour), the end of the one before. Applied to `user` too, so the
    request that starts the visit already sees it. Written with the last-seen time the caller
    writes anyway: no query of its own."""
    changes = {"last_seen_at": moment}
    if user.last_seen_at is not None and moment - user.last_seen_at > VISIT_GAP:
        changes["previous_seen_at"] = user.last_seen_at
    user.update_from_dict(changes)
    return changes


async def dismiss_new(user: User) -> None:
    """The member has seen what is new: only threads started from now on are new to them."""
    moment = datetime.now(UTC)
    await User.filter(id=user.id).update(previous_seen_at=moment, last_seen_at=moment)
    user.update_from_dict({"previous_seen_at": moment, "last_seen_at": moment})


async def end_session(key: str) -> None:
    await Session.filter(id=session_id(key)).delete()


async def end_other_sessions(user: User, keep_key: str | None = None) -> int:
    """Sign the member out everywhere (but the session `keep_key`, when given)."""
    sessions = Session.filter(user_id=user.id)
    if keep_key:
        sessions = sessions.exclude(id=session_id(keep_key))
    return await sessions.delete()


async def update_profile(
    user: User,
    *,
    display_name: str,
    bio: str,
    website: str,
    language: str = "",
    timezone: str = "",
) -> User:
    """The member's public profile and their reading preferences ("" = automatic)."""
    display_name, bio, website = display_name.strip(), bio.strip(), website.strip()
    errors: dict[str, str] = {}
    if language and language not in i18n.LANGUAGES:
        errors["language"] = _("Choose a language.")
    if timezone and not i18n.valid_timezone(timezone):
        errors["timezone"] = _("Choose a time zone from the list.")
    if len(display_name) > 50:
        errors["display_name"] = _("Use at most %(n)d characters.") % {"n": 50}
    if len(bio) > 2000:
        errors["bio"] = _("Use at most %(n)d characters.") % {"n": 2000}
    if website and (
        not re.match(r"^https?://[^\s<>\"]+\.[^\s<>\"]+$", website) or len(website) > 200
    ):
        errors["website"] = _("Enter a full address starting with https://")
    if errors:
        raise Invalid(errors)
    user.display_name, user.bio, user.website = display_name, bio, website
    user.language, user.timezone = language, timezone
    user.bio_html = markup.render(bio)
    await user.save(
        update_fields=["display_name", "bio", "bio_html", "website", "language", "timezone"]
    )
    return user


async def change_password(user: User, *, current: str, new: str, keep_key: str) -> None:
    """Change the password and sign out every other session."""
    errors: dict[str, str] = {}
    if not await password_matches(user, current):
        errors["current_password"] = _("That is not your current password.")
    _check_password(errors, "new_password", new)
    if errors:
        raise Invalid(errors)
    user.password_hash = await hash_password(new)
    await user.save(update_fields=["password_hash"])
    await end_other_sessions(user, keep_key=keep_key)


async def change_email(user: User, *, password: str, email: str) -> None:
    email = email.strip()
    errors: dict[str, str] = {}
    if not await password_matches(user, password):
        errors["password"] = _("That is not your current password.")
    errors.update(await _check_email(email, exclude=user))
    if errors:
        raise Invalid(errors)
    user.email, user.email_key = email, email.casefold()
    user.email_verified_at = None
    async with in_transaction():
        await user.save(update_fields=["email", "email_key", "email_verified_at"])
        await send_verification(user)


# --- Confirming an address and resetting a password, by links sent by e-mail

VERIFY_SECONDS = 7 * 86400
RESET_SECONDS = 3600
# Links mailed to one account, and reset requests from one network, per hour.
MAILS_PER_ACCOUNT = 3
RESETS_PER_CLIENT = 10


async def send_verification(user: User, next_url: str = "/") -> None:
    """Mail a link that confirms the member's current address (it stops working if the
    address changes). For a sign-up it also finishes signing up, then goes on to `next_url`."""
    token = mail.sign("verify", [user.id, user.email_key])
    link = f"/verify/{token}" + (f"?next={quote(next_url)}" if next_url != "/" else "")
    await mail.enqueue(
        user, "verify", "verify",
        {"link": mail.absolute(link), "signup": user.awaiting_confirmation},
    )  # fmt: skip


async def resend_verification(user: User) -> None:
    if await ratelimit.hit("verify-mail", user.id, 3600) > MAILS_PER_ACCOUNT:
        raise RateLimited(
            _(
                "We sent you several links in the last hour. "
                "Please check your inbox, including the spam folder."
            )
        )
    await send_verification(user)


async def verify_email(token: str) -> tuple[User | None, bool]:
    """Confirm the address a link was sent to; the first confirmation brings the welcome
    message. Returns the member (None when the link is forged, expired, or for an address no
    longer theirs) and whether this finished their sign-up."""
    value = mail.unsign("verify", token, max_age=VERIFY_SECONDS)
    if not isinstance(value, list) or len(value) != 2:
        return None, False
    user = await User.filter(id=value[0], email_key=value[1]).first()
    if user is None or user.email_verified_at is not None:
        return user, False
    signed_up = user.awaiting_confirmation
    async with in_transaction():
        user.email_verified_at = datetime.now(UTC)
        user.awaiting_confirmation = False
        # Only the request that confirms it: a link opened twice at once signs in once.
        if not await User.filter(id=user.id, email_verified_at__isnull=True).update(
            email_verified_at=user.email_verified_at, awaiting_confirmation=False
        ):
            return user, False
        if not await OutboxMessage.filter(user_id=user.id, kind="welcome").exists():
            await mail.enqueue(user, "welcome", "welcome", topic="all")
    return user, signed_up


async def purge_unconfirmed() -> int:
    """Remove sign-ups never confirmed within the link's lifetime, so a stranger who signed
    up with someone else's address does not keep it (nor the username) from them."""
    cutoff = datetime.now(UTC) - timedelta(seconds=VERIFY_SECONDS)
    stale = await User.filter(awaiting_confirmation=True, created_at__lt=cutoff)
    for user in stale:
        await reject_signup(user)
    return len(stale)


def _reset_fingerprint(user: User) -> str:
    # Changes with the password, so a reset link works once.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


async def request_password_reset(email: str, *, client: str) -> None:
    """Mail a reset link if an active account has this address. The answer is the same either
    way, so the form cannot tell anyone which addresses have accounts."""
    if await ratelimit.hit("reset", client, 3600) > RESETS_PER_CLIENT:
        raise RateLimited(
            _("Too many reset requests from your network. Please try again in an hour.")
        )
    user = await User.filter(email_key=email.strip().casefold()).first()
    if user is None or not user.is_active:
        return
    if await ratelimit.hit("reset-mail", user.id, 3600) > MAILS_PER_ACCOUNT:
        return
    token = mail.sign("reset", [user.id, _reset_fingerprint(user)])
    await mail.enqueue(user, "reset", "reset", {"link": mail.absolute(f"/password-reset/{token}")})


async def reset_link_user(token: str) -> User | None:
    """The member a reset link is for, while it is unused and under an hour old."""
    value = mail.unsign("reset", token, max_age=RESET_SECONDS)
    if not isinstance(value, list) or len(value) != 2:
        return None
    user = await User.filter(id=value[0]).first()
    if user is None or not user.is_active:
        return None
    return user if hmac.compare_digest(_reset_fingerprint(user), str(value[1])) else None


async def reset_password(token: str, password: str) -> User:
    """Set a new password from a reset link: every session ends, and the address counts as
    confirmed (the member read the mail sent to it)."""
    user = await reset_link_user(token)
    if user is None:
        raise Invalid({"password": _("This reset link has expired or was already used.")})
    errors: dict[str, str] = {}
    _check_password(errors, "password", password)
    if errors:
        raise Invalid(errors)
    old_hash = user.password_hash
    user.password_hash = await hash_password(password)
    user.email_verified_at = user.email_verified_at or datetime.now(UTC)
    user.awaiting_confirmation = False
    async with in_transaction():
        # Only while the link is unused: two submits at once cannot both succeed.
        if not await User.filter(id=user.id, password_hash=old_hash).update(
            password_hash=user.password_hash, email_verified_at=user.email_verified_at,
            awaiting_confirmation=False,
        ):  # fmt: skip
            raise Invalid({"password": _("This reset link has expired or was already used.")})
        await Session.filter(user_id=user.id).delete()
    return user


def suspension_message(user: User) -> str:
    """What a suspended member reads when they try to sign in: until when, and why."""
    if user.suspended_until:
        message = _("This account is suspended until %(when)s.") % {
            "when": i18n.format_datetime(user.suspended_until)
        }
    else:
        message = _("This account is suspended.")
    if user.suspension_reason:
        message += " " + _("Reason: %(reason)s") % {"reason": user.suspension_reason}
    return message


# --- Staff sanctions and roles. Moderation calls these inside its own transaction, beside the
# audit row it writes, so the two exist together or not at all.


def _check_reason(reason: str) -> str:
    return required_length("reason", reason, minimum=3, maximum=500, label=_("Reason"))


async def suspend(user: User, *, until: datetime | None, reason: str) -> None:
    """The member cannot sign in until `until` (None: until lifted); every session ends now."""
    user.suspension_reason = _check_reason(reason)
    user.suspended_at, user.suspended_until = datetime.now(UTC), until
    await user.save(update_fields=["suspended_at", "suspended_until", "suspension_reason"])
    await end_other_sessions(user)


async def lift_suspension(user: User) -> None:
    user.suspended_at = user.suspended_until = None
    user.suspension_reason = ""
    await user.save(update_fields=["suspended_at", "suspended_until", "suspension_reason"])


async def silence(user: User, *, until: datetime, reason: str) -> None:
    """The member can read but not post, like or flag until `until`."""
    user.silence_reason = _check_reason(reason)
    user.silenced_until = until
    await user.save(update_fields=["silenced_until", "silence_reason"])


async def lift_silence(user: User) -> None:
    user.silenced_until, user.silence_reason = None, ""
    await user.save(update_fields=["silenced_until", "silence_reason"])


async def set_role(user: User, role: str) -> None:
    if role not in ROLES:
        raise Invalid({"role": _("Unknown role.")})
    user.role = role
    await user.save(update_fields=["role"])


USERNAME_KEY_MAX = User._meta.fields_map["username_key"].max_length


async def get_by_username(username: str) -> User | None:
    key = fold(username)
    if len(key) > USERNAME_KEY_MAX:  # names no one: the database would refuse to compare it
        return None
    return await User.filter(username_key=key, deleted_at__isnull=True).first()


# What pages print where a deleted account's username was (its display name is translated:
# User.name). A space, so no one can register it.
DELETED_USERNAME = "deleted member"


async def erase(user: User) -> None:
    """Empty a deleted account of everything about the member (call it inside the deletion's
    transaction). The row stays so the posts they left keep an author; the username and the
    address are free for a new account, and nothing can sign in to this one again."""
    moment = datetime.now(UTC)
    # Unique like the keys it replaces, and nothing typed into a form folds to it.
    key = f"deleted:{user.id}"
    await Session.filter(user_id=user.id).delete()
    await User.filter(id=user.id).update(
        username=DELETED_USERNAME, username_key=key, email="", email_key=key,
        email_verified_at=None, password_hash="", role="member", blog_editor=False,
        display_name="", bio="", bio_html="", website="", language="", timezone="",
        created_at=moment, last_seen_at=None, previous_seen_at=None, pending=False,
        # Suspended for good too: every list that leaves out suspended members leaves it out.
        suspended_at=moment, suspended_until=None, suspension_reason="",
        silenced_until=None, silence_reason="", deleted_at=moment,
    )  # fmt: skip


# --- First run: the owner claims the site with a one-time link printed to the console.

SETUP_TOKEN_KEY = "setup_token_hash"


async def manager_exists() -> bool:
    return await User.filter(role="manager").exists()


async def new_setup_token() -> str | None:
    """A fresh one-time setup token while no manager exists (the previous one stops working)."""
    if await manager_exists():
        return None
    token = secrets.token_urlsafe(24)
    await site.set_value(SETUP_TOKEN_KEY, session_id(token))
    return token


async def setup_token_valid(token: str) -> bool:
    stored = await site.SiteSetting.filter(key=SETUP_TOKEN_KEY).first()
    if stored is None or await manager_exists():
        return False
    return hmac.compare_digest(stored.value, session_id(token))


async def claim_site(
    token: str, *, community_name: str, username: str, email: str, password: str
) -> User:
    """Create the community manager and name the community; the token then stops working."""
    if not await setup_token_valid(token):
        raise Invalid({"token": _("This setup link has expired or was already used.")})
    community_name = community_name.strip()
    errors: dict[str, str] = {}
    check_length(
        errors, "community_name", community_name, minimum=2, maximum=60, label=_("Community name")
    )
    errors.update(await _check_new_identity(username.strip(), email.strip()))
    _check_password(errors, "password", password)
    if errors:
        raise Invalid(errors)
    user = await create_user(username, email, password, role="manager")
    await site.set_value("name", community_name)
    await site.delete_value(SETUP_TOKEN_KEY)
    return user
