"""Event registrations (blueprints/registrations.py): per-event counts from what visitors
registered through Rasa, the list, and the CSV export, masked for staff, audited."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import select

from clinic.audit import AuditAction, recent_entries
from clinic.models import EventRegistration


def registration_of(world) -> EventRegistration:
    with world.db.transaction(read_only=True) as session:
        return session.execute(
            select(EventRegistration).where(EventRegistration.sender_id == world.conversations["register"])
        ).scalar_one()


def test_each_event_shows_confirmed_waitlisted_cancelled_and_seats_left(console_world, nurse):
    registration = registration_of(console_world)
    page = nurse.page("/registrations")
    assert f'href="/registrations/{registration.event_id}"' in page
    with console_world.db.transaction(read_only=True) as session:
        rows = (
            session.execute(select(EventRegistration).where(EventRegistration.event_id == registration.event_id))
            .scalars()
            .all()
        )
    confirmed = [r for r in rows if r.status == "confirmed"]
    event = nurse.page(f"/registrations/{registration.event_id}")
    seats = sum(1 + r.guests for r in confirmed)
    assert f"{len(confirmed)} registrations, {seats} seats" in event
    assert registration.reference in event
    assert nurse.get("/registrations/no-such-event").status_code == 404


def test_the_csv_export_masks_emails_for_staff_and_is_audited(console_world, nurse, admin):
    registration = registration_of(console_world)
    reply = nurse.get(f"/registrations/{registration.event_id}/export.csv")
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/csv")
    assert "attachment" in reply.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(reply.content.decode("utf-8-sig"))))
    mine = next(row for row in rows if row["reference"] == registration.reference)
    assert mine["email"] != registration.email and re.fullmatch(r"n•••@e•••\.com", mine["email"])
    assert mine["name"] == "Noor" and mine["status"] == registration.status
    full = list(
        csv.DictReader(
            io.StringIO(admin.get(f"/registrations/{registration.event_id}/export.csv").content.decode("utf-8-sig"))
        )
    )
    assert registration.email in {row["email"] for row in full}
    exports = recent_entries(console_world.db, 100, AuditAction.EXPORT_REGISTRATIONS)
    by_nurse = [e for e in exports if e.actor == console_world.username("nurse")]
    assert by_nurse and by_nurse[0].target_id == registration.event_id and by_nurse[0].detail["masked"] is True
    assert any(e.actor == console_world.username("admin") and e.detail["masked"] is False for e in exports)
    views = recent_entries(console_world.db, 100, AuditAction.VIEW_REGISTRATIONS)
    assert any(e.actor == console_world.username("nurse") for e in views)
