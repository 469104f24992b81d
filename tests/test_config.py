"""The clinic file: validation with clear messages, reloading, and what the actions rely on."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from clinic_fixture import clinic_data, write_clinic_file

from clinic.config import ClinicConfigError, ConfigProvider, load_config
from ops.paths import RASA, ROOT

UTC = dt.timezone.utc


def write(path: Path, data) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def error_for(tmp_path: Path, data) -> str:
    with pytest.raises(ClinicConfigError) as caught:
        load_config(write(tmp_path / "clinic.yml", data))
    return str(caught.value)


def test_the_sample_clinic_file_is_valid():
    config = load_config(ROOT / "clinic.yml")
    assert config.clinic.name
    assert config.hours["sunday"] == "closed"


def test_test_clinic_file_is_valid(tmp_path):
    config = load_config(write_clinic_file(tmp_path / "c.yml"))
    assert [e.id for e in config.events] == ["past-acne-talk", "acne-evening"]


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (lambda d: d["clinic"].update(phone="call us!"), "clinic.phone: is not a phone number"),
        (lambda d: d["clinic"].update(timezone="Mars/Base"), "unknown time zone 'Mars/Base'"),
        (lambda d: d["clinic"].update(email="nobody"), "clinic.email: is not an e-mail address"),
        (
            lambda d: d["clinic"].update(booking_link="javascript:alert(1)"),
            "clinic.booking_link: must be an http(s) URL",
        ),
        (lambda d: d["clinic"].update(emergency_number="nine"), "emergency_number: must be digits only"),
        (lambda d: d["hours"].update(monday="9 till 5"), "monday: '9 till 5' must be"),
        (lambda d: d["hours"].update(monday="17:00-09:00"), "opening before closing"),
        (lambda d: d["hours"].pop("sunday"), "missing day(s) ['sunday']"),
        (lambda d: d["hours"].update(funday="closed"), "unknown day(s) ['funday']"),
        (lambda d: d["events"][1].update(end_time="17:00"), "end_time must be after start_time"),
        (lambda d: d["events"][1].update(id="past-acne-talk"), "event id 'past-acne-talk' is used twice"),
        (lambda d: d["events"][1].update(capacity=0), "events.1.capacity"),
        (lambda d: d["events"][1].update(date="next week"), "events.1.date"),
        (lambda d: d.update(surprise=True), "surprise: extra fields not permitted"),
        (lambda d: d["notifications"].update(email_to=["not-an-email"]), "is not an e-mail address"),
        (lambda d: d["clinic"].update(treatments=["ok", "x"]), "each treatment must be 2 to 120 characters"),
        (lambda d: d["clinic"].update(treatments=[f"treatment {n}" for n in range(21)]), "clinic.treatments"),
        (lambda d: d["clinic"].update(accessibility="x" * 501), "clinic.accessibility"),
        (lambda d: d.update(payment_note="x" * 501), "payment_note"),
        (lambda d: d.update(age_note="x" * 501), "age_note"),
        (lambda d: d.update(practitioners_note="x" * 501), "practitioners_note"),
        (lambda d: d.update(gift_voucher_note="x" * 501), "gift_voucher_note"),
        (lambda d: d.update(cancellation_note="x" * 501), "cancellation_note"),
        (lambda d: d.update(preparation_note="x" * 501), "preparation_note"),
        (lambda d: d.update(first_visit_note="x" * 501), "first_visit_note"),
    ],
)
def test_invalid_fields_are_named_in_the_error(tmp_path, mutate, expected):
    data = clinic_data()
    mutate(data)
    message = error_for(tmp_path, data)
    assert expected in message
    assert "problem(s) in the clinic file" in message


def test_unreadable_files_give_clear_errors(tmp_path):
    with pytest.raises(ClinicConfigError, match="does not exist"):
        load_config(tmp_path / "missing.yml")
    bad = tmp_path / "bad.yml"
    bad.write_text("clinic: [unclosed")
    with pytest.raises(ClinicConfigError, match="is not valid YAML"):
        load_config(bad)
    bad.write_text("- just\n- a list\n")
    with pytest.raises(ClinicConfigError, match="must be a YAML mapping"):
        load_config(bad)


def test_past_events_are_never_upcoming(tmp_path):
    config = load_config(write_clinic_file(tmp_path / "c.yml"))
    now = dt.datetime.now(UTC)
    assert [e.id for e in config.upcoming_events(now)] == ["acne-evening"]
    later = now + dt.timedelta(days=30)
    assert config.upcoming_events(later) == []


def test_provider_reloads_edits_and_keeps_last_good_on_a_bad_edit(tmp_path):
    path = write_clinic_file(tmp_path / "c.yml")
    provider = ConfigProvider(path)
    assert provider.get().clinic.name == "Test Glow Clinic"

    data = clinic_data()
    data["clinic"]["name"] = "Renamed Clinic"
    write(path, data)
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 1_000_000))
    assert provider.get().clinic.name == "Renamed Clinic"

    path.write_text("clinic: {name: broken")
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 2_000_000))
    assert provider.get().clinic.name == "Renamed Clinic"


def start_action_server(env) -> subprocess.CompletedProcess:
    """The real action server's command; these tests expect it to refuse to start."""
    return subprocess.run(
        [str(RASA), "run", "actions", "--actions", "actions", "--port", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_action_server_refuses_to_start_with_an_invalid_clinic_file(tmp_path):
    data = clinic_data()
    data["clinic"]["phone"] = "not a phone"
    path = write(tmp_path / "c.yml", data)
    env = {**os.environ, "CLINIC_CONFIG": str(path), "PYTHONPATH": str(ROOT)}
    result = start_action_server(env)
    assert result.returncode != 0
    assert "clinic.phone: is not a phone number" in result.stdout + result.stderr


BAD_SETTINGS = {
    "FAQ_CONFIDENCE_THRESHOLD": "high",
    "NOTIFY_MAX_ATTEMPTS": "0",
    "SMTP_PORT": "smtp",
    "DATABASE_URL": "::",
}


def test_action_server_refuses_to_start_with_bad_settings_and_names_each(tmp_path):
    """Checked at start-up (actions/settings.py), not on the first message that needs it; every
    bad variable is named at once, so an operator fixes them in one go."""
    path = write(tmp_path / "c.yml", clinic_data())
    env = {**os.environ, "CLINIC_CONFIG": str(path), "PYTHONPATH": str(ROOT), **BAD_SETTINGS}
    result = start_action_server(env)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Traceback" not in output
    for variable in BAD_SETTINGS:
        assert f"Invalid setting: {variable} must be" in output
