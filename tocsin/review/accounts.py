"""Review-page accounts: argon2 password hashes, roles, disabling. The CLI and the demo call these."""

from __future__ import annotations

import logging
import re
import unicodedata
from typing import Any

import sqlite_utils
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from tocsin.store import reviewing
from tocsin.store.reviewing import ROLES

logger = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")
#: Rank of each role: a role may do everything a lower one may.
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}

_hasher = PasswordHasher()
#: Verified against when the user does not exist, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class AccountError(ValueError):
    """An account operation was refused; the message names the problem and the fix."""


def folded_username(username: str | None) -> str:
    """A username as accounts are stored and compared: trimmed and lower-cased (``" Aziza "`` is ``aziza``)."""
    return (username or "").strip().lower()


def check_username(username: str) -> str:
    """The username, lower-cased, if it is 2–64 of a–z, 0–9, '_', '.', '-' (starting with a letter or digit)."""
    name = folded_username(username)
    if not USERNAME_PATTERN.match(name):
        raise AccountError(f"bad username {username!r}: use 2-64 characters a-z, 0-9, '_', '.', '-', starting with a letter or digit")
    return name


def normalised_password(password: str | None) -> str:
    """The password in Unicode NFC, as it is hashed and checked: "ё" typed as one character or as "е" and a combining
    diaeresis (some keyboards, systems and password managers send the decomposed form) is the same password."""
    return unicodedata.normalize("NFC", password or "")


def check_password(password: str) -> str:
    """The password in NFC (see :func:`normalised_password`), if long enough in characters one can see (spaces,
    control and invisible characters do not count), and not absurdly long."""
    password = normalised_password(password)
    if sum(c.isprintable() and not c.isspace() for c in password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password too short: use at least {MIN_PASSWORD_LENGTH} visible characters (spaces and invisible "
                           "characters do not count)")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"password too long: use at most {MAX_PASSWORD_LENGTH} characters")
    return password


def check_role(role: str) -> str:
    """The role, if it is one of reviewer, lead, admin."""
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    return role


def add_user(db: sqlite_utils.Database, username: str, password: str, role: str = "reviewer", actor: str = "system") -> str:
    """Create an account; returns the stored (lower-cased) username.

    :raises AccountError: bad name, short password, unknown role, or the user exists.
    """
    name, role = check_username(username), check_role(role)
    password = check_password(password)
    if reviewing.get_user(db, name):
        raise AccountError(f"user {name!r} exists; change its password with 'tocsin users passwd {name}'")
    reviewing.insert_user(db, name, _hasher.hash(password), role, actor)
    logger.info("added %s user %s", role, name)
    return name


def user_exists(db: sqlite_utils.Database, username: str) -> bool:
    """Whether an account of this name exists (enabled or not)."""
    return reviewing.get_user(db, folded_username(username)) is not None


def set_password(db: sqlite_utils.Database, username: str, password: str, actor: str = "system") -> None:
    """Give a user a new password (their open sessions end)."""
    _update(db, username, actor, password_hash=_hasher.hash(check_password(password)))


def set_disabled(db: sqlite_utils.Database, username: str, disabled: bool = True, actor: str = "system") -> None:
    """Disable (or enable again) an account; a disabled user is logged out at the next request."""
    _update(db, username, actor, disabled=disabled)


def set_role(db: sqlite_utils.Database, username: str, role: str, actor: str = "system") -> None:
    """Change a user's role."""
    _update(db, username, actor, role=check_role(role))


def _update(db: sqlite_utils.Database, username: str, actor: str, **changes: Any) -> None:
    try:
        reviewing.update_user(db, folded_username(username), actor, **changes)
    except reviewing.UnknownUser as e:
        raise AccountError(str(e)) from e


def list_users(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every account (no hashes), with its decision count and last login."""
    return reviewing.list_users(db)


def authenticate(db: sqlite_utils.Database, username: str, password: str) -> dict[str, Any] | None:
    """The user row if the name and password match an enabled account, else None.

    Hashes made with older argon2 parameters, or of a password set before passwords were normalised that was not in
    NFC, are made again (of the NFC form) on success.
    """
    name = folded_username(username)
    user = reviewing.get_user(db, name) if USERNAME_PATTERN.match(name) else None
    matched = matching_form(user["password_hash"] if user else _DUMMY_HASH, password or "")
    if matched is None or user is None or user["disabled"]:
        return None
    nfc = normalised_password(password)
    if matched != nfc or _hasher.check_needs_rehash(user["password_hash"]):
        reviewing.update_user(db, name, name, password_hash=_hasher.hash(nfc))
        user = reviewing.get_user(db, name)
    return user


def matching_form(password_hash: str, password: str) -> str | None:
    """The form of ``password`` that ``password_hash`` was made of: its NFC form, or else the password as typed
    (a hash made before passwords were normalised); None when neither matches."""
    for form in dict.fromkeys((normalised_password(password), password)):
        try:
            _hasher.verify(password_hash, form)
            return form
        except (VerificationError, InvalidHashError):
            continue
    return None


def role_at_least(role: str, needed: str) -> bool:
    """Whether ``role`` may do what ``needed`` may."""
    return ROLE_RANK.get(role, -1) >= ROLE_RANK[needed]
