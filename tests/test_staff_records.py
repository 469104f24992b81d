"""What staff see and change, on SQLite and PostgreSQL: the hand-off queue, conversation
reviews/tags/notes, event registration counts and exports, and masking of contact details."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import select

from clinic import conversation_annotations as notes
from clinic import handoff_queue, registration_report
from clinic.audit import Actor, AuditAction, recent_entries
from clinic.console_models import TicketNote
from clinic.errors import InvalidInput
from clinic.models import utcnow
from clinic.privacy import ContactView, contact_view, mask_email, mask_phone, mask_text
from clinic.registrations import cancel_registration, register_for_event
from clinic.staff_accounts import create_account
from clinic.tickets import open_ticket

NURSE = Actor("nurse", 2, "10.0.0.9")
FULL, MASKED = ContactView(True), ContactView(False)


def test_masking_hides_contact_details_but_keeps_the_text_readable():
    assert mask_email("jane.doe@example.co.uk") == "j•••@e•••.uk"
    assert mask_phone("+447700900123") == "•••••••••123"
    text = "call me on 07700 900123 or +44 (0)20 7946 0958, or mail jo@example.com; 3 sessions on 25/11/2026"
    masked = mask_text(text)
    assert "900123" not in masked and "7946" not in masked and "jo@example.com" not in masked
    assert "3 sessions on 25/11/2026" in masked and masked.startswith("call me on ")
    assert contact_view(True, "admin").full and not contact_view(False, "nurse").full
    assert contact_view(False, "nurse", ("nurse",)).full and not contact_view(False, "", ("",)).full
    # The clinic's own numbers and address, which the assistant gives out, stay readable.
    clinic_own = contact_view(False, "nurse", keep=("+44 20 7946 0911", "Desk@Clinic.example"))
    reply = "Call +44 (0)20 7946 0911 or desk@clinic.example; we have you as jo@example.com, 07700 900123"
    assert (
        clinic_own.text(reply)
        == "Call +44 (0)20 7946 0911 or desk@clinic.example; we have you as j•••@e•••.com, ••••••••123"
    )


def test_queue_puts_urgent_first_then_the_oldest_and_flags_overdue_tickets(db, clinic_config):
    now = utcnow()
    long_ago = now - dt.timedelta(days=3)
    human = open_ticket("human", "v-human", db=db, now=long_ago).ticket
    medical = open_ticket("medical", "v-medical", db=db, now=now - dt.timedelta(minutes=5)).ticket
    urgent = open_ticket("urgent", "v-urgent", db=db, now=now - dt.timedelta(minutes=1)).ticket
    old_medical = open_ticket("medical", "v-medical-2", db=db, now=long_ago).ticket
    page = handoff_queue.list_queue(db, handoff_queue.queue_query(), clinic_config, now)
    assert [item.ticket.reference for item in page.items] == [
        urgent.reference,
        old_medical.reference,
        medical.reference,
        human.reference,
    ]
    overdue = {item.ticket.reference: item.overdue for item in page.items}
    assert overdue[old_medical.reference] and overdue[human.reference]  # three days old: past any target
    assert not overdue[medical.reference] or page.items[2].due <= now

    only_medical = handoff_queue.list_queue(db, handoff_queue.queue_query(kind="medical"), clinic_config, now)
    assert {item.ticket.kind for item in only_medical.items} == {"medical"}
    handoff_queue.change_status(db, urgent.reference, "resolved", NURSE)
    active = handoff_queue.list_queue(db, handoff_queue.queue_query(), clinic_config, now)
    assert urgent.reference not in [item.ticket.reference for item in active.items]
    resolved = handoff_queue.list_queue(db, handoff_queue.queue_query(status="resolved"), clinic_config, now)
    assert [item.ticket.reference for item in resolved.items] == [urgent.reference]
    assert not resolved.items[0].overdue  # resolved tickets are never overdue

    small = handoff_queue.list_queue(db, handoff_queue.queue_query(per_page=2), clinic_config, now)
    assert len(small.items) == 2 and small.has_next
    second = handoff_queue.list_queue(db, handoff_queue.queue_query(page="2", per_page=2), clinic_config, now)
    assert len(second.items) == 1 and not second.has_next
    for bad in ({"kind": "pizza"}, {"status": "done"}, {"page": "0"}, {"page": "x"}):
        with pytest.raises(InvalidInput):
            handoff_queue.queue_query(**bad)


def test_assigning_changing_status_and_notes_leave_a_trail(db):
    create_account(db, "nurse", "Nurse", "staff", "a long enough passphrase")
    ticket = open_ticket("medical", "v-1", message="on isotretinoin", db=db).ticket
    handoff_queue.assign(db, ticket.reference, "nurse", NURSE)
    handoff_queue.change_status(db, ticket.reference, "in_progress", NURSE)
    handoff_queue.change_status(db, ticket.reference, "in_progress", NURSE)  # no change, no note
    handoff_queue.add_note(db, ticket.reference, "Called, left a voicemail.\n<b>bold?</b>", NURSE)
    with pytest.raises(InvalidInput):
        handoff_queue.assign(db, ticket.reference, "nobody-here", NURSE)
    with pytest.raises(InvalidInput):
        handoff_queue.change_status(db, ticket.reference, "closed", NURSE)
    with pytest.raises(InvalidInput):
        handoff_queue.add_note(db, ticket.reference, "   ", NURSE)
    stored, trail = handoff_queue.get_ticket_with_notes(db, ticket.reference)
    assert stored.assignee == "nurse" and stored.status == "in_progress"
    assert [note.body for note in trail][:2] == ["Assigned to nurse", "Status: open → in progress"]
    assert trail[2].body == "Called, left a voicemail.\n<b>bold?</b>"  # kept as typed; pages show it as text
    assert {note.author for note in trail} == {"nurse"} and all(note.created_at for note in trail)
    changes = [e.detail["change"] for e in recent_entries(db, action=AuditAction.TICKET_CHANGED)]
    assert sorted(changes) == ["assignee", "note_added", "status"]
    handoff_queue.assign(db, ticket.reference, None, NURSE)
    assert handoff_queue.get_ticket_with_notes(db, ticket.reference)[0].assignee is None


def test_a_failed_change_writes_neither_the_note_nor_the_audit_entry(db):
    ticket = open_ticket("human", "v-2", db=db).ticket
    with pytest.raises(InvalidInput):
        handoff_queue.assign(db, ticket.reference, "ghost", NURSE)
    with db.transaction() as session:
        assert session.execute(select(TicketNote)).scalars().all() == []
    assert recent_entries(db, action=AuditAction.TICKET_CHANGED) == []


def test_new_urgent_tickets_are_found_after_an_id(db):
    first = open_ticket("urgent", "u-1", db=db).ticket
    open_ticket("medical", "m-1", db=db)
    assert [t.reference for t in handoff_queue.new_urgent_tickets(db, 0)] == [first.reference]
    assert handoff_queue.new_urgent_tickets(db, first.id) == []
    second = open_ticket("urgent", "u-2", db=db).ticket
    assert [t.reference for t in handoff_queue.new_urgent_tickets(db, first.id)] == [second.reference]
    assert handoff_queue.count_active_urgent(db) == 2


def test_reviews_tags_and_notes_of_a_conversation(db):
    notes.set_reviewed(db, "visitor-9", True, NURSE)
    notes.set_reviewed(db, "visitor-9", True, NURSE)  # twice is once
    assert notes.add_tag(db, "visitor-9", "  Needs   Follow-up ", NURSE) == "needs follow-up"
    notes.add_tag(db, "visitor-9", "needs follow-up", NURSE)
    notes.add_tag(db, "visitor-9", "pricing", NURSE)
    notes.add_note(db, "visitor-9", "Asked about <script>prices</script> twice", NURSE)
    found = notes.annotations_for(db, "visitor-9")
    assert found.reviewed and found.review.reviewed_by == "nurse"
    assert [t.tag for t in found.tags] == ["needs follow-up", "pricing"]
    assert [n.body for n in found.notes] == ["Asked about <script>prices</script> twice"]  # shown as text
    assert notes.known_tags(db) == ["needs follow-up", "pricing"]
    notes.remove_tag(db, "visitor-9", "pricing", NURSE)
    notes.set_reviewed(db, "visitor-9", False, NURSE)
    found = notes.annotations_for(db, "visitor-9")
    assert not found.reviewed and [t.tag for t in found.tags] == ["needs follow-up"]
    for bad_tag in ("", "x" * 41, "semi;colon", "<b>"):
        with pytest.raises(InvalidInput):
            notes.add_tag(db, "visitor-9", bad_tag, NURSE)
    with pytest.raises(InvalidInput):
        notes.add_note(db, "", "text", NURSE)
    audited = [e.detail["change"] for e in recent_entries(db, action=AuditAction.CONVERSATION_CHANGED)]
    assert audited.count("tag_added") == 3 and "review_undone" in audited


def test_registration_counts_seats_left_and_a_spreadsheet_safe_export(db, clinic_config):
    event = clinic_config.find_event("acne-evening")  # capacity 3, one guest allowed
    register_for_event(clinic_config, event.id, name="Ann", email="ann@example.com", guests=1, db=db)
    register_for_event(clinic_config, event.id, name="=HYPERLINK(1)", email="bo@example.com", db=db)
    register_for_event(clinic_config, event.id, name="Cy", email="cy@example.com", db=db)  # full: waitlisted
    cancel_registration(clinic_config, event.id, email="bo@example.com", db=db)  # Cy is promoted
    summaries = registration_report.event_summaries(db, clinic_config)
    assert [s.event_id for s in summaries] == ["acne-evening", "skin-talk", "past-talk"]
    acne = registration_report.find_summary(summaries, "acne-evening")
    assert (acne.confirmed, acne.confirmed_seats, acne.waitlisted, acne.cancelled, acne.seats_left) == (2, 3, 0, 1, 0)
    assert summaries[-1].past and not acne.past

    rows = registration_report.event_registrations(db, event.id)
    assert [r.status for r in rows] == ["confirmed", "confirmed", "cancelled"]
    masked = list(csv.reader(io.StringIO(registration_report.registrations_csv(rows, MASKED, clinic_config.tz))))
    assert masked[0] == list(registration_report.CSV_COLUMNS)
    assert {row[3] for row in masked[1:]} == {"a•••@e•••.com", "c•••@e•••.com", "b•••@e•••.com"}
    assert ["'=HYPERLINK(1)"] == [row[2] for row in masked[1:] if "HYPERLINK" in row[2]]
    full = registration_report.registrations_csv(rows, FULL, clinic_config.tz)
    assert "ann@example.com" in full and "cy@example.com" in full


def test_registrations_of_an_event_removed_from_the_clinic_file_are_still_listed(db, clinic_config):
    from clinic.models import EventRegistration

    with db.transaction() as session:
        session.add(
            EventRegistration(
                reference="EVT-XYZ2",
                event_id="old-event",
                name="Dee",
                email="dee@example.com",
                guests=0,
                status="confirmed",
                created_at=utcnow(),
                updated_at=utcnow(),
            )
        )
    removed = registration_report.event_summaries(db, clinic_config)[-1]
    assert (removed.event_id, removed.in_clinic_file, removed.confirmed, removed.seats_left) == (
        "old-event",
        False,
        1,
        None,
    )
