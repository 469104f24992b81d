"""Settings from the environment: one parser per type (clinic.env), clear errors, one meaning
of "true" everywhere."""

from __future__ import annotations

import pytest

from clinic.env import SettingError, env_bool, env_choice, env_duration, env_int, env_port, parse_duration
from clinic.mailer import SmtpSettings


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
