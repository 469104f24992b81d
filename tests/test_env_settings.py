"""Settings from the environment: one parser per type (clinic.env), clear errors, one meaning
of "true" everywhere."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from clinic.env import SettingError, env_bool, env_choice, env_duration, env_float, env_int, env_port, parse_duration
from clinic.mailer import SmtpSettings
from ops.paths import ROOT


@pytest.mark.parametrize(
    "text, seconds",
    [("90", 90), ("90s", 90), ("15m", 900), ("12h", 43200), ("1d", 86400), ("250ms", 0.25), (" 2.5 m ", 150)],
)
def test_durations(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


def test_each_parser_accepts_its_type_and_names_the_variable_when_it_cannot():
    env = {"P": "8080", "B": "Yes", "I": "7", "D": "15m", "C": "Auto", "E": "  "}
    assert env_port("P", 1, env) == 8080 and env_bool("B", False, env) is True
    assert env_int("I", 1, 1, 10, env) == 7 and env_duration("D", 1, environ=env) == 900
    assert env_choice("C", "x", ("auto", "true"), env) == "auto"
    assert env_port("E", 5005, env) == 5005 and env_bool("missing", True, env) is True  # blank = default
    for parse, value, expected in [
        (lambda e: env_port("X", 1, e), "70000", "X must be a port number (1-65535), not '70000'"),
        (lambda e: env_port("X", 1, e), "80a", "X must be a port number"),
        (lambda e: env_bool("X", True, e), "maybe", "X must be true or false"),
        (lambda e: env_int("X", 1, 1, 10, e), "11", "X must be a whole number from 1 to 10"),
        (lambda e: env_duration("X", 1, 1, 60, e), "2h", "X must be a duration"),
        (lambda e: env_choice("X", "a", ("a", "b"), e), "c", "X must be one of a, b"),
    ]:
        with pytest.raises(SettingError) as refused:
            parse({"X": value})
        assert expected in str(refused.value) and refused.value.name == "X"


def test_smtp_settings_share_the_one_boolean_parser():
    assert SmtpSettings.from_env({"SMTP_HOST": "mail", "SMTP_PORT": "25", "SMTP_STARTTLS": "off"}).starttls is False
    assert SmtpSettings.from_env({"SMTP_HOST": "mail", "SMTP_PORT": "587"}).starttls is True
    assert SmtpSettings.from_env({"SMTP_HOST": "mail", "SMTP_PORT": "465"}).use_ssl is True
    with pytest.raises(SettingError, match="SMTP_STARTTLS"):
        SmtpSettings.from_env({"SMTP_HOST": "mail", "SMTP_STARTTLS": "sometimes"})
    with pytest.raises(SettingError, match="SMTP_PORT"):
        SmtpSettings.from_env({"SMTP_PORT": "smtp"})


def test_decimal_numbers_within_their_range():
    assert env_float("F", 0.5, 0, 1, {"F": "0.75"}) == 0.75 and env_float("F", 0.5, 0, 1, {"F": ".2"}) == 0.2
    assert env_float("F", 0.5, 0, 1, {}) == 0.5
    for value in ["1.5", "-0.1", "half", "0.5.1", "nan", "1e-3"]:
        with pytest.raises(SettingError, match="F must be a number from 0 to 1"):
            env_float("F", 0.5, 0, 1, {"F": value})


def test_the_action_servers_own_settings(monkeypatch):
    from actions.settings import ActionSettings, setting_errors

    assert ActionSettings.from_env({}).faq_confidence_threshold == 0.5
    assert ActionSettings.from_env({"FAQ_CONFIDENCE_THRESHOLD": "0.7"}).faq_confidence_threshold == 0.7
    with pytest.raises(SettingError, match="FAQ_CONFIDENCE_THRESHOLD"):
        ActionSettings.from_env({"FAQ_CONFIDENCE_THRESHOLD": "70%"})
    assert setting_errors() == []
    monkeypatch.setenv("CLINIC_DB_TIMEOUT", "forever")
    monkeypatch.setenv("NOTIFY_WORKER_IN_PROCESS", "perhaps")
    assert [error.name for error in setting_errors()] == ["CLINIC_DB_TIMEOUT", "NOTIFY_WORKER_IN_PROCESS"]


def test_service_settings_go_through_the_parsers(monkeypatch):
    from ops.services import bind_host, rasa_workers

    monkeypatch.setenv("SANIC_WORKERS", "3")
    monkeypatch.setenv("BIND_HOST", "192.0.2.10")
    assert rasa_workers() == 3 and bind_host() == "192.0.2.10"  # read when asked, not when imported
    monkeypatch.setenv("SANIC_WORKERS", "0")
    with pytest.raises(SettingError, match="SANIC_WORKERS must be a whole number from 1 to 64"):
        rasa_workers()


def _python(code: str, **env: str) -> subprocess.CompletedProcess:
    environ = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120
    )


def test_nothing_reads_the_environment_when_imported():
    """Bad values break only the service that reads them, when it starts; importing is always safe."""
    bad = {
        "SANIC_WORKERS": "many",
        "BIND_HOST": "",
        "RASA_REQUEST_MAX_BYTES": "lots",
        "TRACKER_STORE_RETRY_SECONDS": "x",
        "RASA_RESPONSE_TIMEOUT": "1s",
    }
    result = _python("import ops.services, ops.topology, rasa_runtime.resilience, channels.base", **bad)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "name, value, says",
    [
        ("TRACKER_STORE_RETRY_SECONDS", "soon", "must be a duration"),
        ("RASA_RESPONSE_TIMEOUT", "45s", "must be longer than the lock lifetime (TICKET_LOCK_LIFETIME, 60 s)"),
    ],
)
def test_the_rasa_server_refuses_a_bad_setting_at_start_up(name, value, says):
    result = _python("import runpy; runpy.run_module('rasa_runtime', run_name='__main__')", **{name: value})
    assert result.returncode != 0
    assert f"Invalid setting: {name} {says}" in result.stderr
    assert "Traceback" not in result.stderr
