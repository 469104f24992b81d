"""Staff accounts: creating, listing, disabling, resetting, and checking passwords.

Passwords are hashed with argon2id (argon2-cffi's defaults, the RFC 9106 low-memory profile);
the hash encodes its own parameters, so raising them later re-hashes each password at its
next sign-in. There is no default account and no default password: the first admin is made
with ``python -m console create-admin`` (README, "Staff console").

Disabling an account or resetting its password ends every session it has at once (the
sessions are rows in the clinic database, shared by every console process). Accounts are
never deleted: the audit log keeps naming them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from clinic.console_models import StaffRole, StaffSession, StaffUser
from clinic.db import Database
from clinic.errors import ClinicError, InvalidInput
from clinic.models import utcnow
from clinic.validation import clean_text

PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 256  # argon2 takes any length; this bounds the work an attacker can ask for
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}[a-z0-9]$")
DISPLAY_NAME_MAX_LENGTH = 100

_hasher = PasswordHasher()
# Verified when the username is unknown, so that a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password: equalises sign-in timing")


class AccountNotFound(ClinicError, LookupError):
    """No staff account has that username or id."""


class AccountRuleViolation(InvalidInput):
    """The change would break a rule that keeps the console usable (e.g. removing the last admin)."""


@dataclass(frozen=True)
class SignInCheck:
    """The outcome of checking a username and password (before throttling is applied)."""

    user: Optional[StaffUser]  # the account when the password matched an active account
    reason: str  # "ok", "unknown_account", "wrong_password", "disabled"


def normalize_username(value: Optional[str]) -> str:
    return (value or "").strip().lower()[:64]


def validate_username(value: Optional[str]) -> str:
    username = (value or "").strip().lower()
    if not USERNAME_PATTERN.match(username):
        raise InvalidInput(
            "username",
            "invalid",
            "A username has 3 to 64 characters: lower-case letters, digits, dots, hyphens or underscores, "
            "starting and ending with a letter or digit.",
        )
    return username


def validate_display_name(value: Optional[str]) -> str:
    name = clean_text(value, limit=DISPLAY_NAME_MAX_LENGTH, multiline=False)
    if not name:
        raise InvalidInput("display_name", "empty", "Please give the person's name.")
    return name


def validate_role(value: Optional[str]) -> str:
    if value not in StaffRole.ALL:
        raise InvalidInput("role", "unknown", f"The role must be one of: {', '.join(StaffRole.ALL)}.")
    return value


def validate_new_password(password: Optional[str], username: str = "") -> str:
    """A password good enough for an account that can read health information."""
    password = password or ""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise InvalidInput("password", "too_short", f"The password needs at least {PASSWORD_MIN_LENGTH} characters.")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise InvalidInput("password", "too_long", f"The password can have at most {PASSWORD_MAX_LENGTH} characters.")
    if len(set(password)) < 5:
        raise InvalidInput("password", "too_simple", "The password needs more different characters.")
    if username and username.lower() in password.lower():
        raise InvalidInput("password", "contains_username", "The password must not contain the username.")
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _find(session: Session, username: str) -> Optional[StaffUser]:
    return session.execute(select(StaffUser).where(StaffUser.username == username)).scalars().first()


def _get(session: Session, user_id: int) -> StaffUser:
    user = session.get(StaffUser, user_id)
    if user is None:
        raise AccountNotFound(f"no staff account with id {user_id}")
    return user


def create_account(
    db: Database,
    username: str,
    display_name: str,
    role: str,
    password: str,
    must_change_password: bool = False,
) -> StaffUser:
    """A new active account. ``InvalidInput`` for a bad value or a username already taken."""
    username = validate_username(username)
    display_name = validate_display_name(display_name)
    role = validate_role(role)
    validate_new_password(password, username)
    with db.transaction() as session:
        if _find(session, username) is not None:
            raise InvalidInput("username", "taken", f"The username {username!r} is already taken.")
        now = utcnow()
        user = StaffUser(
            username=username,
            display_name=display_name,
            role=role,
            password_hash=hash_password(password),
            active=True,
            must_change_password=must_change_password,
            created_at=now,
            updated_at=now,
        )
        session.add(user)
        session.flush()
        return user


def check_sign_in(db: Database, username: str, password: str) -> SignInCheck:
    """Check a username and password. Takes the same time whether or not the account exists."""
    username = normalize_username(username)
    password = (password or "")[:PASSWORD_MAX_LENGTH]
    with db.transaction(read_only=True) as session:
        user = _find(session, username) if username else None
    if user is None:
        _verify(_DUMMY_HASH, password)
        return SignInCheck(None, "unknown_account")
    if not _verify(user.password_hash, password):
        return SignInCheck(None, "wrong_password")
    if not user.active:
        return SignInCheck(None, "disabled")
    if _hasher.check_needs_rehash(user.password_hash):
        _store_password(db, user.id, password, must_change=user.must_change_password)
    return SignInCheck(user, "ok")


def _verify(encoded: str, password: str) -> bool:
    try:
        return _hasher.verify(encoded, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _store_password(db: Database, user_id: int, password: str, must_change: bool) -> StaffUser:
    with db.transaction() as session:
        user = _get(session, user_id)
        user.password_hash = hash_password(password)
        user.must_change_password = must_change
        user.updated_at = utcnow()
        return user


def record_sign_in(db: Database, user_id: int) -> None:
    with db.transaction() as session:
        _get(session, user_id).last_sign_in_at = utcnow()


def change_own_password(db: Database, user_id: int, current: str, new: str, keep_session: str = "") -> StaffUser:
    """The signed-in person changes their password; their other sessions end."""
    with db.transaction(read_only=True) as session:
        user = _get(session, user_id)
    if not _verify(user.password_hash, (current or "")[:PASSWORD_MAX_LENGTH]):
        raise InvalidInput("current_password", "wrong", "The current password is not right.")
    validate_new_password(new, user.username)
    if _verify(user.password_hash, new):
        raise InvalidInput("password", "unchanged", "Choose a password different from the current one.")
    user = _store_password(db, user_id, new, must_change=False)
    _end_sessions(db, user_id, except_token_hash=keep_session)
    return user


def reset_password(db: Database, user_id: int, temporary_password: str) -> StaffUser:
    """An admin sets a temporary password: every session of the account ends, and the next
    sign-in must choose a new password."""
    with db.transaction(read_only=True) as session:
        user = _get(session, user_id)
    validate_new_password(temporary_password, user.username)
    user = _store_password(db, user_id, temporary_password, must_change=True)
    _end_sessions(db, user_id)
    return user


def _end_sessions(db: Database, user_id: int, except_token_hash: str = "") -> None:
    with db.transaction() as session:
        query = delete(StaffSession).where(StaffSession.user_id == user_id)
        if except_token_hash:
            query = query.where(StaffSession.token_hash != except_token_hash)
        session.execute(query)


def _active_admins(session: Session) -> int:
    query = select(func.count()).select_from(StaffUser).where(StaffUser.role == StaffRole.ADMIN, StaffUser.active)
    return session.execute(query).scalar_one()


def set_active(db: Database, user_id: int, active: bool, acting_user_id: int) -> StaffUser:
    """Enable or disable an account. Disabling ends its sessions at once. Nobody disables
    themselves, and the last active admin stays."""
    if not active and user_id == acting_user_id:
        raise AccountRuleViolation("active", "self", "You cannot disable your own account.")
    with db.transaction() as session:
        user = _get(session, user_id)
        if not active and user.is_admin and user.active and _active_admins(session) <= 1:
            raise AccountRuleViolation("active", "last_admin", "The last active admin cannot be disabled.")
        user.active = active
        user.updated_at = utcnow()
        if not active:
            session.execute(delete(StaffSession).where(StaffSession.user_id == user_id))
        return user


def set_role(db: Database, user_id: int, role: str, acting_user_id: int) -> StaffUser:
    role = validate_role(role)
    with db.transaction() as session:
        user = _get(session, user_id)
        if user.is_admin and role != StaffRole.ADMIN:
            if user_id == acting_user_id:
                raise AccountRuleViolation("role", "self", "You cannot remove your own admin role.")
            if user.active and _active_admins(session) <= 1:
                raise AccountRuleViolation("role", "last_admin", "The last active admin must stay an admin.")
        user.role = role
        user.updated_at = utcnow()
        return user


def get_account(db: Database, user_id: int) -> StaffUser:
    with db.transaction(read_only=True) as session:
        return _get(session, user_id)


def find_account(db: Database, username: str) -> Optional[StaffUser]:
    with db.transaction(read_only=True) as session:
        return _find(session, normalize_username(username))


def list_accounts(db: Database, active_only: bool = False) -> List[StaffUser]:
    query = select(StaffUser).order_by(StaffUser.display_name, StaffUser.username)
    if active_only:
        query = query.where(StaffUser.active)
    with db.transaction(read_only=True) as session:
        return list(session.execute(query).scalars())


def count_admins(db: Database) -> int:
    with db.transaction(read_only=True) as session:
        return _active_admins(session)
