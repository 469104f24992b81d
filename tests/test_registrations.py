"""Event registrations on SQLite and PostgreSQL: dedupe, guests, waitlist, past events, cancel, races.

The events come from a test clinic file with dates relative to now (``clinic_config``):
``acne-evening`` (10 days ahead, 3 seats, up to 1 guest), ``skin-talk`` (20 days, 2 seats, no
guests) and ``past-talk`` (3 days ago).
"""

from __future__ import annotations

import threading

import pytest
from action_harness import visitor_words
from sqlalchemy import func, select

from clinic.errors import EventClosed, InvalidInput, RegistrationNotFound, UnknownEvent
from clinic.models import EventRegistration, OutboxMessage
from clinic.outbox import Topic
from clinic.registrations import cancel_registration, find_registration, register_for_event, seats_left, validate_guests


def register(config, db, name, email, guests=0, event="acne-evening", sender=""):
    return register_for_event(
        config, event, name=name, email=email, guests=guests, sender_id=sender, channel="rest", db=db
    )


def topics(db):
    with db.transaction() as session:
        rows = (
            session.execute(
                select(OutboxMessage.topic).where(OutboxMessage.channel == "email").order_by(OutboxMessage.id)
            )
            .scalars()
            .all()
        )
    return list(rows)


def statuses(db, event="acne-evening"):
    with db.transaction() as session:
        rows = session.execute(
            select(EventRegistration.email, EventRegistration.status)
            .where(EventRegistration.event_id == event)
            .order_by(EventRegistration.id)
        ).all()
    return dict(rows)


def test_register_confirms_and_deduplicates_by_email(db, clinic_config):
    first = register(clinic_config, db, "Jane", "Jane@Example.com", guests=1, sender="s1")
    assert not first.existed and first.registration.status == "confirmed"
    assert first.registration.reference.startswith("EVT-") and first.registration.guests == 1
    assert first.seats_left == 1 and first.waitlist_position is None
    assert first.event.title == "Acne Evening"
    again = register(clinic_config, db, "Jane D", "jane@example.COM", guests=0, sender="s2")
    assert again.existed and again.registration.reference == first.registration.reference
    assert again.registration.guests == 1 and again.registration.name == "Jane"  # nothing changed
    with db.transaction() as session:
        assert session.execute(select(func.count()).select_from(EventRegistration)).scalar_one() == 1
    assert topics(db) == [Topic.REGISTRATION_CREATED]  # one notification, not two


def test_guests_are_bounded_by_the_event(db, clinic_config):
    with pytest.raises(InvalidInput) as error:
        register(clinic_config, db, "Ann", "ann@example.com", guests=2)
    assert error.value.field == "guests" and "up to 1" in visitor_words(error.value)
    with pytest.raises(InvalidInput):
        register(clinic_config, db, "Ann", "ann@example.com", guests=1, event="skin-talk")  # no guests allowed
    with pytest.raises(InvalidInput):
        register(clinic_config, db, "Ann", "ann@example.com", guests="two")
    with pytest.raises(InvalidInput):
        register(clinic_config, db, "Ann", "ann@example.com", guests=-1)
    assert validate_guests(clinic_config.find_event("acne-evening"), " 1 ") == 1
    assert statuses(db) == {}


def test_invalid_name_or_email_is_refused(db, clinic_config):
    with pytest.raises(InvalidInput):
        register(clinic_config, db, "<script></script>", "ann@example.com")
    with pytest.raises(InvalidInput):
        register(clinic_config, db, "Ann", "ann@example")
    assert statuses(db) == {}


def test_full_event_waitlists_and_cancel_promotes_in_order(db, clinic_config):
    a = register(clinic_config, db, "Ana", "ana@example.com", guests=1)  # 2 seats
    b = register(clinic_config, db, "Ben", "ben@example.com")  # 3 seats: full
    c = register(clinic_config, db, "Cleo", "cleo@example.com", guests=1)  # needs 2: waitlisted
    d = register(clinic_config, db, "Dev", "dev@example.com")  # waitlisted behind Cleo
    assert [r.registration.status for r in (a, b, c, d)] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert (c.waitlist_position, d.waitlist_position) == (1, 2)
    assert b.seats_left == 0 and seats_left(clinic_config, "acne-evening", db=db) == 0

    # Ben frees one seat: Cleo (2 seats) doesn't fit and nobody jumps the queue.
    cancelled = cancel_registration(clinic_config, "acne-evening", email="BEN@example.com", db=db)
    assert cancelled.registration.status == "cancelled" and cancelled.promoted == []
    assert seats_left(clinic_config, "acne-evening", db=db) == 1
    # Ana frees two more: Cleo (2) then Dev (1) are confirmed.
    cancelled = cancel_registration(clinic_config, "acne-evening", email="ana@example.com", db=db)
    assert [r.email for r in cancelled.promoted] == ["cleo@example.com", "dev@example.com"]
    assert statuses(db) == {
        "ana@example.com": "cancelled",
        "ben@example.com": "cancelled",
        "cleo@example.com": "confirmed",
        "dev@example.com": "confirmed",
    }
    assert topics(db).count(Topic.REGISTRATION_PROMOTED) == 2
    assert topics(db).count(Topic.REGISTRATION_CANCELLED) == 2


def test_cancel_by_conversation_and_register_again(db, clinic_config):
    register(clinic_config, db, "Eve", "eve@example.com", sender="conv-9", event="skin-talk")
    assert find_registration("skin-talk", sender_id="conv-9", db=db).email == "eve@example.com"
    cancel_registration(clinic_config, "skin-talk", sender_id="conv-9", db=db)
    assert find_registration("skin-talk", email="eve@example.com", db=db) is None
    with pytest.raises(RegistrationNotFound):
        cancel_registration(clinic_config, "skin-talk", sender_id="conv-9", db=db)
    with pytest.raises(RegistrationNotFound):
        cancel_registration(clinic_config, "skin-talk", email="nobody@example.com", db=db)
    with pytest.raises(InvalidInput):
        cancel_registration(clinic_config, "skin-talk", db=db)
    back = register(clinic_config, db, "Eve", "eve@example.com", event="skin-talk")
    assert not back.existed and back.registration.status == "confirmed"
    assert statuses(db, "skin-talk") == {"eve@example.com": "confirmed"}


def test_past_and_unknown_events_are_refused(db, clinic_config):
    with pytest.raises(EventClosed) as error:
        register(clinic_config, db, "Fay", "fay@example.com", event="past-talk")
    assert "already taken place" in visitor_words(error.value, clinic_config)
    with pytest.raises(UnknownEvent):
        register(clinic_config, db, "Fay", "fay@example.com", event="no-such-event")
    with pytest.raises(EventClosed):
        cancel_registration(clinic_config, "past-talk", email="fay@example.com", db=db)
    assert statuses(db, "past-talk") == {}


def test_racing_for_the_last_seat_never_double_books(db, clinic_config):
    register(clinic_config, db, "Gus", "gus@example.com", event="skin-talk")  # 1 of 2 seats left
    racers = 8
    barrier = threading.Barrier(racers)
    results, errors = [], []

    def race(n):
        barrier.wait()
        try:
            results.append(register(clinic_config, db, f"Racer {n}", f"racer{n}@example.com", event="skin-talk"))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=race, args=(n,)) for n in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    outcome = [r.registration.status for r in results]
    assert outcome.count("confirmed") == 1 and outcome.count("waitlisted") == racers - 1
    assert sorted(r.waitlist_position for r in results if r.waitlist_position) == list(range(1, racers))
    assert seats_left(clinic_config, "skin-talk", db=db) == 0
    assert list(statuses(db, "skin-talk").values()).count("confirmed") == 2


def test_same_address_racing_registers_once(db, clinic_config):
    barrier = threading.Barrier(5)
    results = []

    def race():
        barrier.wait()
        results.append(register(clinic_config, db, "Hal", "hal@example.com"))

    threads = [threading.Thread(target=race) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len({r.registration.reference for r in results}) == 1
    assert sum(not r.existed for r in results) == 1
    assert statuses(db) == {"hal@example.com": "confirmed"}
