"""The hand-off queue (blueprints/queue.py) on the tickets that real conversations opened:
order, overdue badges, filters, assignment, status, notes, masking per role, audit, and the
urgent-ticket poll that shows new urgent tickets without a reload."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from console_support import ticket_of

from clinic.audit import AuditAction, recent_entries
from clinic.models import Ticket, utcnow
from clinic.tickets import open_ticket


def references_in_order(page: str):
    return re.findall(r'data-reference="([A-Z]{3}-[A-Z0-9]+)"', page)


def test_urgent_tickets_come_first_then_the_oldest_with_overdue_marked(console_world, nurse):
    old = open_ticket(
        "human",
        f"queue-old-{uuid.uuid4().hex[:6]}",
        message="old question",
        db=console_world.db,
        now=utcnow() - dt.timedelta(days=4),
    ).ticket
    urgent = ticket_of(console_world, "urgent", "urgent")
    medical = ticket_of(console_world, "medical", "medical")
    page = nurse.page("/queue?page=1")
    order = references_in_order(page)
    assert order.index(urgent.reference) < order.index(medical.reference)
    assert order.index(urgent.reference) < order.index(old.reference)
    kinds = [t for t in re.findall(r'<tr class="kind-(\w+)', page)]
    assert kinds == sorted(kinds, key=lambda k: {"urgent": 0, "medical": 1}.get(k, 2))
    row = re.search(rf'<tr class="kind-human overdue" data-reference="{old.reference}">', page)
    assert row, "a four-day-old ticket is past its expected response time"
    assert "badge overdue" in page


def test_filters_by_kind_and_status(console_world, nurse):
    urgent = ticket_of(console_world, "urgent", "urgent")
    medical = ticket_of(console_world, "medical", "medical")
    only_medical = references_in_order(nurse.page("/queue?kind=medical"))
    assert medical.reference in only_medical and urgent.reference not in only_medical
    assert all(ref.startswith("MED-") for ref in only_medical)
    assert nurse.get("/queue?kind=pizza").status_code == 400
    assert nurse.get("/queue?status=closed").status_code == 400
    resolved = references_in_order(nurse.page("/queue?status=resolved"))
    assert medical.reference not in resolved


def test_assign_change_status_and_notes_from_the_ticket_page(console_world, nurse):
    ticket = open_ticket(
        "booking",
        f"queue-work-{uuid.uuid4().hex[:6]}",
        message="booking please",
        email="work@example.com",
        db=console_world.db,
    ).ticket
    page = nurse.page(f"/queue/{ticket.reference}")
    assert "open the conversation" in page
    username = console_world.username("nurse")
    assert nurse.post(f"/queue/{ticket.reference}/assign", {"assignee": "me"}).status_code == 303
    assert nurse.post(f"/queue/{ticket.reference}/status", {"status": "in_progress"}).status_code == 303
    assert nurse.post(f"/queue/{ticket.reference}/notes", {"note": "Rang back <b>twice</b>"}).status_code == 303
    refused = nurse.post(f"/queue/{ticket.reference}/status", {"status": "deleted"})
    assert refused.status_code == 303  # back to the page, with the reason shown once
    assert "Unknown status" in nurse.page(refused.headers["location"])
    page = nurse.page(f"/queue/{ticket.reference}")
    assert f"Assigned to {username}" in page and "Status: open → in progress" in page
    assert "Rang back &lt;b&gt;twice&lt;/b&gt;" in page and "<b>twice</b>" not in page
    assert f"{username} · " in page  # each note names its author and time
    doctor = console_world.username("doctor")
    assert nurse.post(f"/queue/{ticket.reference}/assign", {"assignee": doctor}).status_code == 303
    assert nurse.post(f"/queue/{ticket.reference}/status", {"status": "resolved"}).status_code == 303
    with console_world.db.transaction(read_only=True) as session:
        stored = session.get(Ticket, ticket.id)
        assert (stored.assignee, stored.status, stored.resolved_at is not None) == (doctor, "resolved", True)
    changes = [
        e for e in recent_entries(console_world.db, 200, AuditAction.TICKET_CHANGED) if e.target_id == ticket.reference
    ]
    assert sorted(e.detail["change"] for e in changes) == ["assignee", "assignee", "note_added", "status", "status"]
    assert all(e.actor == username for e in changes)


def test_contact_details_are_masked_for_staff_and_shown_to_admins_and_the_assignee(console_world, nurse, admin):
    ticket = ticket_of(console_world, "medical", "medical")
    email = ticket.email
    assert email and email.endswith("@example.com")
    staff_view = nurse.page(f"/queue/{ticket.reference}")
    assert email not in staff_view and "a•••@e•••.com" in staff_view
    assert email not in nurse.page("/queue")
    assert email in admin.page(f"/queue/{ticket.reference}")
    doctor = console_world.signed_in("doctor")
    admin.post(f"/queue/{ticket.reference}/assign", {"assignee": console_world.username("doctor")})
    assert email in doctor.page(f"/queue/{ticket.reference}")  # the assignee needs to reply
    assert email not in nurse.page(f"/queue/{ticket.reference}")
    urgent = ticket_of(console_world, "urgent", "urgent")
    assert "+447700900789" not in nurse.page(f"/queue/{urgent.reference}")
    assert "+447700900789" in admin.page(f"/queue/{urgent.reference}")


def test_viewing_the_queue_and_a_ticket_is_audited(console_world, nurse):
    ticket = ticket_of(console_world, "urgent", "urgent")
    nurse.page("/queue?kind=urgent")
    nurse.page(f"/queue/{ticket.reference}")
    username = console_world.username("nurse")
    views = recent_entries(console_world.db, 100, AuditAction.VIEW_TICKET)
    assert any(e.actor == username and e.target_id == ticket.reference and e.address for e in views)
    queue_views = recent_entries(console_world.db, 100, AuditAction.VIEW_QUEUE)
    assert any(e.actor == username and e.detail.get("kind") == "urgent" for e in queue_views)


def test_new_urgent_tickets_are_announced_to_pages_that_poll(console_world, nurse):
    first = nurse.get("/api/queue/urgent?after=0").json()
    assert first["active_urgent"] >= 1 and first["latest_id"] >= 1
    latest = first["latest_id"]
    assert nurse.get(f"/api/queue/urgent?after={latest}").json()["tickets"] == []
    fresh = open_ticket(
        "urgent", f"queue-urgent-{uuid.uuid4().hex[:6]}", message="lips swelling", db=console_world.db
    ).ticket
    announced = nurse.get(f"/api/queue/urgent?after={latest}").json()
    assert [t["reference"] for t in announced["tickets"]] == [fresh.reference]
    assert announced["tickets"][0]["url"] == f"/queue/{fresh.reference}"
    assert "lips" not in str(announced)  # references and times only
    assert announced["active_urgent"] == first["active_urgent"] + 1
    assert nurse.get("/api/queue/urgent?after=-1").status_code == 400
    assert nurse.get("/queue/NOT-A-REF").status_code == 404
