"""Staff accounts, sessions, sign-in throttling and the audit log on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text

from clinic import audit, sign_in_throttle, staff_accounts, staff_sessions
from clinic.audit import Actor, AuditAction
from clinic.console_models import AuditEntry, StaffSession
from clinic.errors import ClinicDatabaseError, InvalidInput
from clinic.models import utcnow
from clinic.staff_accounts import AccountRuleViolation

PASSWORD = "a long enough passphrase"
LIMITS = staff_sessions.SessionLimits(idle=dt.timedelta(minutes=30), absolute=dt.timedelta(hours=12))


def account(db, username="nurse", role="staff", **kwargs):
    return staff_accounts.create_account(db, username, username.title(), role, PASSWORD, **kwargs)


def test_passwords_are_argon2id_hashes_and_checked(db):
    user = account(db)
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    assert staff_accounts.check_sign_in(db, "NURSE ", PASSWORD).user.id == user.id  # names are case-insensitive
    assert staff_accounts.check_sign_in(db, "nurse", PASSWORD + "x").reason == "wrong_password"
    assert staff_accounts.check_sign_in(db, "nobody", PASSWORD).reason == "unknown_account"
    assert staff_accounts.check_sign_in(db, "", "").reason == "unknown_account"


@pytest.mark.parametrize(
    "password, reason",
    [
        ("short", "too_short"),
        ("aaaaaaaaaaaaaaaa", "too_simple"),
        ("x" * 300, "too_long"),
        ("nurse-and-more-1", "contains_username"),
    ],
)
def test_weak_passwords_are_refused_with_the_field_named(db, password, reason):
    with pytest.raises(InvalidInput) as refused:
        staff_accounts.create_account(db, "nurse", "Nurse", "staff", password)
    assert refused.value.field == "password" and refused.value.reason == reason


def test_usernames_are_validated_and_unique(db):
    account(db)
    with pytest.raises(InvalidInput) as taken:
        account(db, "Nurse")
    assert taken.value.reason == "taken"
    for bad in ("a", "has space", "<script>", "ends-", "x" * 65):
        with pytest.raises(InvalidInput):
            account(db, bad)
    with pytest.raises(InvalidInput):
        staff_accounts.create_account(db, "valid-name", "Valid", "superuser", PASSWORD)


def test_sessions_end_on_idle_absolute_limit_sign_out_and_disable(db):
    admin = account(db, "boss", "admin")
    user = account(db)
    token, session = staff_sessions.create_session(db, user.id, LIMITS, "10.0.0.1", "pytest")
    assert len(token) >= 40 and session.token_hash != token  # only the hash is stored
    with db.transaction() as s:
        assert s.execute(select(StaffSession.token_hash)).scalars().all() == [staff_sessions.token_hash(token)]
    now = utcnow()
    assert staff_sessions.load_session(db, token, LIMITS, now + dt.timedelta(minutes=29)).user.id == user.id
    # Idle: more than 30 minutes after the last request (which was just now, at +29 min).
    assert staff_sessions.load_session(db, token, LIMITS, now + dt.timedelta(minutes=29 + 31)) is None
    assert staff_sessions.load_session(db, token, LIMITS, now + dt.timedelta(minutes=29)) is None  # deleted

    token, _ = staff_sessions.create_session(db, user.id, LIMITS)
    late = now
    for minutes in range(20, 12 * 60, 20):  # active every 20 minutes: the absolute limit still ends it
        late = now + dt.timedelta(minutes=minutes)
        assert staff_sessions.load_session(db, token, LIMITS, late) is not None
    assert staff_sessions.load_session(db, token, LIMITS, now + dt.timedelta(hours=12, minutes=1)) is None

    token, session = staff_sessions.create_session(db, user.id, LIMITS)
    staff_sessions.end_session(db, session.token_hash)
    assert staff_sessions.load_session(db, token, LIMITS) is None

    token, _ = staff_sessions.create_session(db, user.id, LIMITS)
    staff_accounts.set_active(db, user.id, False, acting_user_id=admin.id)
    assert staff_sessions.load_session(db, token, LIMITS) is None
    assert staff_accounts.check_sign_in(db, "nurse", PASSWORD).reason == "disabled"
    staff_accounts.set_active(db, user.id, True, acting_user_id=admin.id)
    assert staff_accounts.check_sign_in(db, "nurse", PASSWORD).user is not None


def test_reset_password_ends_sessions_and_forces_a_change(db):
    admin = account(db, "boss", "admin")
    user = account(db)
    token, _ = staff_sessions.create_session(db, user.id, LIMITS)
    staff_accounts.reset_password(db, user.id, "temporary password 1")
    assert staff_sessions.load_session(db, token, LIMITS) is None
    signed_in = staff_accounts.check_sign_in(db, "nurse", "temporary password 1").user
    assert signed_in.must_change_password
    keep, kept = staff_sessions.create_session(db, user.id, LIMITS)
    other, _ = staff_sessions.create_session(db, user.id, LIMITS)
    with pytest.raises(InvalidInput):
        staff_accounts.change_own_password(db, user.id, "wrong current", "my own new password")
    with pytest.raises(InvalidInput):
        staff_accounts.change_own_password(db, user.id, "temporary password 1", "temporary password 1")
    staff_accounts.change_own_password(db, user.id, "temporary password 1", "my own new password", kept.token_hash)
    assert not staff_accounts.get_account(db, user.id).must_change_password
    assert staff_sessions.load_session(db, keep, LIMITS) is not None  # the session that changed it stays
    assert staff_sessions.load_session(db, other, LIMITS) is None
    assert admin.is_admin


def test_the_last_admin_stays_and_nobody_disables_themselves(db):
    boss = account(db, "boss", "admin")
    user = account(db)
    with pytest.raises(AccountRuleViolation):
        staff_accounts.set_active(db, boss.id, False, acting_user_id=boss.id)
    with pytest.raises(AccountRuleViolation):
        staff_accounts.set_role(db, boss.id, "staff", acting_user_id=boss.id)
    staff_accounts.set_role(db, user.id, "admin", acting_user_id=boss.id)
    staff_accounts.set_role(db, boss.id, "staff", acting_user_id=user.id)  # another admin remains
    with pytest.raises(AccountRuleViolation) as last:
        staff_accounts.set_active(db, user.id, False, acting_user_id=boss.id)
    assert last.value.reason == "last_admin"


def test_sixth_failure_in_a_row_is_locked_per_account_and_per_address(db):
    policy = sign_in_throttle.ThrottlePolicy(max_failures=5, lockout=dt.timedelta(minutes=15))
    now = utcnow()
    keys = sign_in_throttle.throttle_keys("Nurse", "198.51.100.7")
    assert keys == ["account:nurse", "address:198.51.100.7"]
    for attempt in range(4):
        assert sign_in_throttle.record_failure(db, keys, policy, now) is None, attempt
        assert sign_in_throttle.locked_until(db, keys, now) is None
    lock = sign_in_throttle.record_failure(db, keys, policy, now)  # the fifth failure locks
    assert lock == now + dt.timedelta(minutes=15)
    # The sixth attempt, from anywhere, on this account: refused.
    assert sign_in_throttle.locked_until(db, ["account:nurse", "address:203.0.113.9"], now) == lock
    # Any account, from this address: refused.
    assert sign_in_throttle.locked_until(db, ["account:other", "address:198.51.100.7"], now) == lock
    assert sign_in_throttle.locked_until(db, keys, lock + dt.timedelta(seconds=1)) is None
    # After the lock, one more failure locks again at once; a success clears everything.
    assert sign_in_throttle.record_failure(db, keys, policy, lock + dt.timedelta(seconds=1)) is not None
    sign_in_throttle.record_success(db, keys)
    assert sign_in_throttle.locked_until(db, keys, now) is None
    assert sign_in_throttle.record_failure(db, keys, policy, now) is None


def test_an_old_failure_streak_is_forgotten(db):
    policy = sign_in_throttle.ThrottlePolicy(max_failures=2, forget_after=dt.timedelta(hours=24))
    keys = ["account:x"]
    old = utcnow() - dt.timedelta(days=3)
    sign_in_throttle.record_failure(db, keys, policy, old)
    assert sign_in_throttle.record_failure(db, keys, policy, utcnow()) is None  # the streak started over


def test_audit_log_is_append_only_in_the_database(db):
    who = Actor("nurse", 7, "10.0.0.2")
    entry = audit.record(db, who, AuditAction.VIEW_TRANSCRIPT, "conversation", "visitor-1", {"filters": {}})
    [found] = audit.recent_entries(db, action=AuditAction.VIEW_TRANSCRIPT)
    assert (found.actor, found.actor_id, found.address, found.target_id) == ("nurse", 7, "10.0.0.2", "visitor-1")
    assert found.id == entry.id and found.at <= utcnow()
    for statement in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"):
        with pytest.raises(ClinicDatabaseError):
            with db.transaction() as session:
                session.execute(text(statement))
    with db.transaction() as session:
        assert session.execute(select(AuditEntry.actor)).scalars().all() == ["nurse"]
