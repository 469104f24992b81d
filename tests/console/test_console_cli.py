"""`python -m console create-admin` (the README's way to make the first admin), the first admin
from the environment, and the console's settings refusing bad values with a clear message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from clinic.staff_accounts import check_sign_in, count_admins
from console.__main__ import first_admin_from_env
from console.settings import ConsoleSettings

ROOT = Path(__file__).resolve().parents[2]


def run_console(args, database_url: str, stdin: str = "", **env):
    environment = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT), **env}
    return subprocess.run(
        [sys.executable, "-m", "console", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=60,
    )


def test_create_admin_makes_a_working_admin_and_refuses_weak_input(db):
    done = run_console(
        ["create-admin", "Clinic.Lead", "--name", "Clinic Lead", "--password-stdin"],
        db.url,
        "a proper long passphrase\n",
    )
    assert done.returncode == 0, done.stderr
    assert "created" in done.stdout
    signed_in = check_sign_in(db, "clinic.lead", "a proper long passphrase").user
    assert signed_in.is_admin and signed_in.display_name == "Clinic Lead" and not signed_in.must_change_password
    again = run_console(["create-admin", "clinic.lead", "--password-stdin"], db.url, "another long passphrase\n")
    assert again.returncode == 1 and "already taken" in again.stderr
    weak = run_console(["create-admin", "second", "--password-stdin"], db.url, "short\n")
    assert weak.returncode == 1 and "at least 12 characters" in weak.stderr and "Traceback" not in weak.stderr
    assert count_admins(db) == 1


def test_the_first_admin_can_come_from_the_environment_once(db, monkeypatch):
    monkeypatch.setenv("CONSOLE_ADMIN_USERNAME", "bootstrap")
    monkeypatch.setenv("CONSOLE_ADMIN_PASSWORD", "a first admin passphrase")
    first_admin_from_env(db.url)
    assert check_sign_in(db, "bootstrap", "a first admin passphrase").user.is_admin
    monkeypatch.setenv("CONSOLE_ADMIN_USERNAME", "second-admin")
    first_admin_from_env(db.url)  # an admin exists: ignored
    assert count_admins(db) == 1


@pytest.mark.parametrize(
    "variable, value, expected",
    [
        ("CONSOLE_PORT", "eighty", "CONSOLE_PORT must be a port number"),
        ("CONSOLE_SESSION_IDLE", "forever", "CONSOLE_SESSION_IDLE must be a duration"),
        ("CONSOLE_SECURE_COOKIES", "maybe", "CONSOLE_SECURE_COOKIES must be one of auto, true, false"),
        ("CONSOLE_SIGN_IN_MAX_FAILURES", "0", "CONSOLE_SIGN_IN_MAX_FAILURES must be a whole number"),
        ("CONSOLE_TRUST_PROXY", "perhaps", "CONSOLE_TRUST_PROXY must be true or false"),
    ],
)
def test_bad_settings_stop_the_console_with_a_clear_message(tmp_path, variable, value, expected):
    started = run_console([], f"sqlite:///{tmp_path / 'clinic.db'}", TRACKER_STORE_URL="sqlite://", **{variable: value})
    assert started.returncode == 1
    assert expected in started.stderr and "Traceback" not in started.stderr


def test_defaults_are_safe_for_one_machine(monkeypatch):
    for name in list(os.environ):
        if name.startswith("CONSOLE_") or name in ("BIND_HOST", "DATABASE_URL", "TRACKER_STORE_URL"):
            monkeypatch.delenv(name, raising=False)
    settings = ConsoleSettings.from_env()
    assert settings.host == "127.0.0.1" and settings.port == 8090
    assert settings.session.idle.total_seconds() == 1800 and settings.session.absolute.total_seconds() == 43200
    assert settings.secure_cookies is None and not settings.trust_proxy
    assert settings.throttle.max_failures == 5
    assert settings.database_url.endswith("var/clinic.db") and settings.tracker_store_url.endswith("var/tracker.db")
