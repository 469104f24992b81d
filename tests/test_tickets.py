"""Hand-off tickets on SQLite and PostgreSQL: creation, idempotency, references, contact updates, races."""

from __future__ import annotations

import re
import threading

import pytest
from action_harness import visitor_words
from sqlalchemy import func, select

from clinic import references, tickets
from clinic.audit import Actor
from clinic.errors import InvalidInput, TicketNotFound
from clinic.handoff_queue import QueueQuery, change_status, list_queue
from clinic.models import OutboxMessage, Priority, Ticket, TicketStatus
from clinic.outbox import Topic
from clinic.tickets import find_open_ticket, get_ticket, open_ticket, update_ticket_contact
from clinic.transcript import conversation_context
from clinic.validation import MESSAGE_MAX_LENGTH

REFERENCE = re.compile(r"^(MED|URG|HUM|BKG)-[%s]{4}$" % references.ALPHABET)


STAFF = Actor("nurse", None, "127.0.0.1")


def queued_kinds(db, config):
    return [item.ticket.kind for item in list_queue(db, QueueQuery(), config).items]


def count(db, model, *where):
    with db.transaction() as session:
        return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def outbox_topics(db):
    with db.transaction() as session:
        return sorted(session.execute(select(OutboxMessage.topic, OutboxMessage.channel)).all())


RASA_EVENTS = [
    {"event": "action", "name": "action_listen"},
    {"event": "user", "text": "hi", "timestamp": 1700000000.0, "parse_data": {"intent": {"name": "greet"}}},
    {"event": "bot", "text": "Hello! How can I help?", "timestamp": 1700000001.0},
    {
        "event": "user",
        "text": "I take isotretinoin, can I have micro-needling?",
        "timestamp": 1700000002.0,
        "parse_data": {"intent": {"name": "medical_question"}},
    },
]


def test_open_ticket_stores_everything_and_queues_the_staff_notification(db):
    opened = open_ticket(
        "medical",
        "visitor-1",
        channel="rest",
        message="I take isotretinoin, can I have micro-needling?",
        name="Jane Doe",
        email="Jane@Example.com",
        phone="07700 900123",
        consent=True,
        context=conversation_context(RASA_EVENTS),
        db=db,
    )
    ticket = opened.ticket
    assert not opened.existed
    assert REFERENCE.match(ticket.reference) and ticket.reference.startswith("MED-")
    assert (ticket.kind, ticket.status, ticket.priority) == ("medical", TicketStatus.OPEN, Priority.HIGH)
    assert (ticket.visitor_name, ticket.email, ticket.phone) == ("Jane Doe", "Jane@example.com", "+447700900123")
    assert ticket.consent is True and ticket.channel == "rest" and ticket.sender_id == "visitor-1"
    assert [entry["role"] for entry in ticket.context] == ["visitor", "assistant", "visitor"]
    assert ticket.context[-1]["intent"] == "medical_question" and ticket.context[0]["at"].startswith("2023-11-14")
    assert ticket.created_at.tzinfo is not None
    stored = get_ticket(ticket.reference.lower().replace("-", " "), db=db)  # references are forgiving
    assert stored.id == ticket.id and stored.context == ticket.context
    assert outbox_topics(db) == [(Topic.TICKET_CREATED, "email"), (Topic.TICKET_CREATED, "webhook")]


def test_priorities_put_urgent_first(db, clinic_config):
    kinds = {kind: open_ticket(kind, "v", db=db).ticket for kind in ("booking", "human", "medical", "urgent")}
    assert kinds["urgent"].priority < kinds["medical"].priority < kinds["human"].priority == kinds["booking"].priority
    assert kinds["urgent"].reference.startswith("URG-") and kinds["booking"].reference.startswith("BKG-")
    assert queued_kinds(db, clinic_config) == ["urgent", "medical", "booking", "human"]
    change_status(db, kinds["urgent"].reference, "resolved", STAFF)
    assert queued_kinds(db, clinic_config)[0] == "medical"


def test_open_ticket_is_idempotent_per_conversation_and_kind_while_open(db):
    first = open_ticket("medical", "visitor-2", message="first question", db=db)
    again = open_ticket("medical", "visitor-2", message="asked again", email="me@example.org", db=db)
    assert again.existed and again.ticket.reference == first.ticket.reference
    assert again.updated == ("email",)  # a missing detail is filled in, nothing is overwritten
    assert again.ticket.message == "first question" and again.ticket.email == "me@example.org"
    same = open_ticket("medical", "visitor-2", email="other@example.org", db=db)
    assert same.existed and same.updated == () and same.ticket.email == "me@example.org"
    assert count(db, Ticket) == 1
    assert [t for t, _ in outbox_topics(db)].count(Topic.TICKET_UPDATED) == 2  # e-mail + webhook, once

    assert not open_ticket("human", "visitor-2", db=db).existed  # another kind
    assert not open_ticket("medical", "visitor-3", db=db).existed  # another conversation
    change_status(db, first.ticket.reference, "in_progress", STAFF)
    assert open_ticket("medical", "visitor-2", db=db).existed  # still active
    resolved = change_status(db, first.ticket.reference, "resolved", STAFF)
    assert resolved.resolved_at is not None
    new = open_ticket("medical", "visitor-2", db=db)
    assert not new.existed and new.ticket.reference != first.ticket.reference
    assert find_open_ticket("visitor-2", "medical", db=db).reference == new.ticket.reference


def test_references_are_unique_and_a_collision_draws_again(db, monkeypatch):
    seen = {open_ticket("booking", f"visitor-{n}", db=db).ticket.reference for n in range(60)}
    assert len(seen) == 60 and all(REFERENCE.match(reference) for reference in seen)
    taken = sorted(seen)[0]
    draws = iter([taken, taken, "BKG-ZZZZ"])
    monkeypatch.setattr(tickets, "new_reference", lambda prefix: next(draws))
    opened = open_ticket("booking", "visitor-new", db=db)
    assert opened.ticket.reference == "BKG-ZZZZ" and not opened.existed
    assert count(db, Ticket) == 61


def test_invalid_contact_is_refused_and_nothing_is_written(db):
    with pytest.raises(InvalidInput) as error:
        open_ticket("medical", "v", email="not-an-address", db=db)
    assert error.value.field == "email" and "e-mail" in visitor_words(error.value)
    with pytest.raises(InvalidInput):
        open_ticket("medical", "v", phone="12", db=db)
    with pytest.raises(InvalidInput):
        open_ticket("surgery", "v", db=db)
    with pytest.raises(InvalidInput):
        open_ticket("medical", "  ", db=db)
    assert count(db, Ticket) == 0 and outbox_topics(db) == []


def test_hostile_and_over_long_text_is_stored_safely(db):
    message = "<script>alert('x')</script>\x00\u202e" + "é" * 5000
    opened = open_ticket("human", "v", message=message, name="<b>Zoë</b> 🌸", db=db)
    ticket = get_ticket(opened.ticket.reference, db=db)
    assert ticket.visitor_name == "Zoë 🌸"
    assert len(ticket.message) <= MESSAGE_MAX_LENGTH and ticket.message.endswith("…")
    assert "\x00" not in ticket.message and "\u202e" not in ticket.message
    assert ticket.message.startswith("<script>")  # kept as text: displays escape it


def test_update_ticket_contact_after_an_urgent_ticket(db):
    urgent = open_ticket("urgent", "v", message="my face is swelling", db=db).ticket
    assert urgent.email is None and urgent.consent is False
    updated = update_ticket_contact(urgent.reference, name="Sam", phone="+1 (415) 555-2671", consent=True, db=db)
    assert (updated.visitor_name, updated.phone, updated.consent) == ("Sam", "+14155552671", True)
    payloads = []
    with db.transaction() as session:
        for row in session.execute(select(OutboxMessage).where(OutboxMessage.topic == Topic.TICKET_UPDATED)).scalars():
            payloads.append(row.payload)
            assert row.priority == Priority.URGENT
    assert len(payloads) == 2 and payloads[0]["changed"] == ["visitor_name", "phone", "consent"]
    with pytest.raises(TicketNotFound):
        update_ticket_contact("MED-2222", name="x", db=db)
    with pytest.raises(TicketNotFound):
        get_ticket("nonsense", db=db)


def test_concurrent_requests_for_the_same_conversation_make_one_ticket(db):
    results, errors = [], []
    barrier = threading.Barrier(6)

    def worker():
        barrier.wait()
        try:
            results.append(open_ticket("medical", "racing-visitor", message="help", db=db))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert len({r.ticket.reference for r in results}) == 1
    assert sum(not r.existed for r in results) == 1
    assert count(db, Ticket) == 1
    assert [t for t, _ in outbox_topics(db)].count(Topic.TICKET_CREATED) == 2
