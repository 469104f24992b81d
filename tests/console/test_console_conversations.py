"""Conversations (blueprints/conversations.py) on what real conversations through Rasa wrote:
every filter and the search find what they should and nothing else, alone and combined;
pagination; the transcript with intents, confidences, FAQ keys, buttons and form steps in
the clinic's time zone; review marks, tags and notes; masking; markup shown as text; audit."""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import urlencode

import pytest
from console_support import IMAGE_MESSAGE, SCRIPT_MESSAGE, ticket_of, wait_until

from clinic.audit import AuditAction, recent_entries
from clinic.tracker_messages import (
    CLARIFY_ACTIONS,
    FAQ_ANSWER_ACTION,
    intent_labels,
    is_faq_response,
    message_confidence,
)
from clinic.tracker_store import TrackerStoreReader
from console.web import conversation_key

SCENARIOS = ("faq", "medical", "browser", "urgent", "fallback", "markup", "register", "contact", "website")


def listed(client, world, **filters) -> set:
    """The scenarios (by name) that the list shows for these filters, over every page."""
    found, page = set(), 1
    by_key = {conversation_key(sender): name for name, sender in world.conversations.items()}
    while True:
        text = client.page("/conversations?" + urlencode({**filters, "page": page, "page_size": 200}))
        for key in re.findall(r'href="/conversations/([A-Za-z0-9_-]+)"', text):
            if key in by_key:
                found.add(by_key[key])
        if "older →" not in text:
            return found
        page += 1


@pytest.fixture(scope="module")
def indexed(console_world):
    """Wait until the console's index has every scenario (it catches up every 0.3 s)."""
    client = console_world.signed_in("admin")
    assert wait_until(lambda: listed(client, console_world) >= set(SCENARIOS), timeout=60), "index did not catch up"
    return console_world


def clinic_tz(world):
    from zoneinfo import ZoneInfo

    import yaml

    return ZoneInfo(yaml.safe_load(world.clinic_file.read_text())["clinic"]["timezone"])


def test_the_list_shows_every_conversation_newest_first_with_its_row(indexed, admin):
    text = admin.page("/conversations")
    times = re.findall(r'<tr data-sender="[^"]+">\s*<td><a href="[^"]+">([^<]+)</a>', text)
    parsed = [dt.datetime.strptime(t, "%d %b %Y %H:%M") for t in times]
    assert parsed == sorted(parsed, reverse=True) and len(parsed) >= len(SCENARIOS)
    row = re.search(rf'<tr data-sender="{re.escape(indexed.conversations["urgent"])}">(.*?)</tr>', text, re.S).group(1)
    assert "rest" in row and "help, there&#39;s pus" in row and "badge urgent" in row


@pytest.mark.parametrize(
    "filters, included, excluded",
    [
        ({"channel": "socketio"}, {"website"}, {"faq", "medical", "urgent", "fallback"}),
        ({"channel": "rest"}, {"faq", "medical", "urgent", "register"}, {"website"}),
        ({"handoff": "medical"}, {"medical"}, {"urgent", "faq", "website"}),
        ({"handoff": "urgent"}, {"urgent"}, {"medical", "faq", "website"}),
        ({"handoff": "any"}, {"medical", "urgent"}, {"faq", "website", "register"}),
        ({"channel": "rest", "handoff": "urgent"}, {"urgent"}, {"website", "medical"}),
        ({"channel": "socketio", "handoff": "any"}, set(), {"website", "medical", "urgent"}),
    ],
    ids=lambda value: urlencode(value) if isinstance(value, dict) else None,
)
def test_filters_find_what_they_should_and_nothing_else(indexed, admin, filters, included, excluded):
    shown = listed(admin, indexed, **filters)
    assert included <= shown, f"missing {included - shown}"
    assert not (excluded & shown), f"should not show {excluded & shown}"


def test_text_search_covers_what_visitors_and_the_assistant_said(indexed, admin):
    suffix = indexed.conversations["faq"].rsplit("-", 1)[1]
    assert listed(admin, indexed, q=f"zebra{suffix}") == {"faq"}
    assert listed(admin, indexed, q=f"QUOKKA{suffix}") == {"fallback"}  # case-insensitive
    assert listed(admin, indexed, q=f"quokka{suffix[:3]}") >= {"fallback"}  # word prefixes match
    assert listed(admin, indexed, q=f"zebra{suffix} quokka{suffix}") == set()  # every word must appear
    reference = ticket_of(indexed, "medical", "medical").reference
    assert listed(admin, indexed, q=reference) == {"medical"}  # the reference is in the assistant's reply
    for hostile in ('"', "*", "NEAR(", "a:b", "'; DROP TABLE events; --", "zebra OR 1=1"):
        reply = admin.get("/conversations?" + urlencode({"q": hostile}))
        assert reply.status_code in (200, 400), hostile


@dataclass
class TrackerFacts:
    """What Rasa's raw events say about one conversation, judged by the definitions the index
    documents (clinic.conversation_index, clinic.tracker_messages), for the filters that depend
    on what the model understood."""

    labels: set = field(default_factory=set)
    had_fallback: bool = False
    lowest: Optional[float] = None


def tracker_facts(tracker, sender: str) -> TrackerFacts:
    facts, form_active, last_action = TrackerFacts(), False, None
    for event in tracker.conversation_events(sender):
        if event.type_name == "active_loop":
            form_active = bool(event.data.get("name"))
        elif event.type_name == "action":
            last_action = event.action_name
            facts.had_fallback |= event.action_name in CLARIFY_ACTIONS
        elif event.type_name == "bot" and last_action == FAQ_ANSWER_ACTION:
            facts.had_fallback |= not is_faq_response(event.data)
        elif event.type_name == "user":
            labels = intent_labels(event.data)
            facts.labels |= set(labels) | ({"faq"} if any(label.startswith("faq/") for label in labels) else set())
            taken_by_form = form_active and labels[:1] == ["nlu_fallback"]
            facts.had_fallback |= labels[:1] == ["nlu_fallback"] and not taken_by_form
            confidence = None if taken_by_form else message_confidence(event.data)
            if confidence is not None:
                facts.lowest = confidence if facts.lowest is None else min(facts.lowest, confidence)
    return facts


@pytest.fixture(scope="module")
def facts(indexed):
    tracker = TrackerStoreReader(indexed.tracker_url)
    try:
        return {name: tracker_facts(tracker, sender) for name, sender in indexed.conversations.items()}
    finally:
        tracker.dispose()


@pytest.mark.parametrize(
    "intent", ["medical_question", "urgent_medical", "faq", "faq/downtime", "ask_hours", "event_register"]
)
def test_the_intent_filter_matches_what_rasa_understood(indexed, admin, facts, intent):
    expected = {name for name, fact in facts.items() if intent in fact.labels}
    assert expected, f"no scenario was understood as {intent}: the scenarios need updating"
    assert listed(admin, indexed, intent=intent) == expected


def test_the_fallback_filter_matches_what_the_assistant_did(indexed, admin, facts):
    fell_back = {name for name, fact in facts.items() if fact.had_fallback}
    assert "fallback" in fell_back  # its first message is the FallbackClassifier's own payload
    assert listed(admin, indexed, fallback="yes") == fell_back
    assert listed(admin, indexed, fallback="no") == set(SCENARIOS) - fell_back
    both = listed(admin, indexed, fallback="yes", intent="medical_question")
    assert both == {name for name in fell_back if "medical_question" in facts[name].labels}


def test_lowest_confidence_filter_matches_the_tracker_store(indexed, admin, facts):
    for threshold in (0.5, 0.95):
        expected = {name for name, fact in facts.items() if fact.lowest is not None and fact.lowest < threshold}
        assert listed(admin, indexed, confidence_below=threshold) == expected, threshold
    assert admin.get("/conversations?confidence_below=2").status_code == 400


def test_date_range_in_the_clinic_time_zone(indexed, admin):
    today = dt.datetime.now(clinic_tz(indexed)).date()
    around = {
        "date_from": (today - dt.timedelta(days=1)).isoformat(),
        "date_to": (today + dt.timedelta(days=1)).isoformat(),
    }
    assert listed(admin, indexed, **around) >= set(SCENARIOS)
    assert listed(admin, indexed, date_from="2020-01-01", date_to="2020-01-31") == set()
    wrong = admin.get("/conversations?date_from=2026-02-30")
    assert wrong.status_code == 400 and "date" in wrong.text.lower()
    backwards = admin.get(
        "/conversations?" + urlencode({"date_from": around["date_to"], "date_to": around["date_from"]})
    )
    assert backwards.status_code == 400


def test_review_tags_and_notes_from_the_transcript_and_their_filters(indexed, nurse):
    key = conversation_key(indexed.conversations["register"])
    tag = "follow-up-" + indexed.conversations["register"].rsplit("-", 1)[1]
    nurse.page(f"/conversations/{key}")
    assert nurse.post(f"/conversations/{key}/review", {"reviewed": "true"}).status_code == 303
    assert nurse.post(f"/conversations/{key}/tags", {"tag": tag}).status_code == 303
    assert nurse.post(f"/conversations/{key}/notes", {"note": "Asked about <i>parking</i>"}).status_code == 303
    bad = nurse.post(f"/conversations/{key}/tags", {"tag": "<script>"})
    assert "A tag has" in nurse.page(bad.headers["location"])
    page = nurse.page(f"/conversations/{key}")
    assert "Reviewed by " + indexed.username("nurse") in page and tag in page
    assert "Asked about &lt;i&gt;parking&lt;/i&gt;" in page
    assert wait_until(lambda: listed(nurse, indexed, reviewed="yes") >= {"register"})
    assert "register" not in listed(nurse, indexed, reviewed="no")
    assert listed(nurse, indexed, tag=tag) == {"register"}
    assert nurse.post(f"/conversations/{key}/review", {"reviewed": "false"}).status_code == 303
    assert nurse.post(f"/conversations/{key}/tags/remove", {"tag": tag}).status_code == 303
    assert "register" in listed(nurse, indexed, reviewed="no")
    assert listed(nurse, indexed, tag=tag) == set()


def test_pagination_pages_through_without_repeats(indexed, admin):
    seen, page = [], 1
    while page <= 6:
        text = admin.page(f"/conversations?page_size=2&page={page}")
        keys = re.findall(r'<tr data-sender="([^"]+)">', text)
        assert len(keys) <= 2
        seen += keys
        if "older →" not in text:
            break
        page += 1
    assert len(seen) == len(set(seen)) and len(seen) >= 2
    assert admin.get("/conversations?page=0").status_code == 400


def test_the_transcript_shows_understanding_replies_and_steps(indexed, admin):
    medical = admin.page(f"/conversations/{conversation_key(indexed.conversations['medical'])}")
    assert re.search(r'<span class="intent">medical_question</span> \d+\.\d%', medical)
    assert "runner-up intents" in medical
    assert 'class="step"' in medical and "form " in medical  # the hand-off form's steps, quieter
    assert "session started" in medical
    assert re.search(r'href="/queue/MED-[A-Z0-9]+"', medical)
    faq = admin.page(f"/conversations/{conversation_key(indexed.conversations['faq'])}")
    assert re.search(r'<span class="faq-key">faq/downtime</span> \d+\.\d%', faq)
    fallback = admin.page(f"/conversations/{conversation_key(indexed.conversations['fallback'])}")
    assert '<div class="buttons">' in fallback  # the two likeliest topics offered as buttons
    register = admin.page(f"/conversations/{conversation_key(indexed.conversations['register'])}")
    assert re.search(r'href="/registrations/[a-z0-9-]+">EVT-', register)


def test_times_are_shown_in_the_clinic_time_zone(indexed, admin):
    tz = clinic_tz(indexed)
    assert str(tz) == "Asia/Kolkata"  # not UTC, not London: a UTC time could not pass
    tracker = TrackerStoreReader(indexed.tracker_url)
    try:
        first_user = next(e for e in tracker.conversation_events(indexed.conversations["faq"]) if e.type_name == "user")
    finally:
        tracker.dispose()
    local = dt.datetime.fromtimestamp(first_user.timestamp, tz).strftime("%H:%M:%S")
    page = admin.page(f"/conversations/{conversation_key(indexed.conversations['faq'])}")
    assert f"visitor · {local}" in page


def test_visitors_markup_is_shown_as_text(indexed, admin):
    page = admin.page(f"/conversations/{conversation_key(indexed.conversations['markup'])}")
    assert html.escape(SCRIPT_MESSAGE, quote=True) in page or html.escape(SCRIPT_MESSAGE, quote=False) in page
    assert "<script>window.__pwned" not in page and "<img src=x" not in page
    assert "&lt;img src=x onerror=" in page
    assert IMAGE_MESSAGE not in page


def test_contact_details_in_messages_are_masked_for_staff(indexed, nurse, admin):
    key = conversation_key(indexed.conversations["contact"])
    assert "07700 900123" not in nurse.page(f"/conversations/{key}")
    assert "•••123" in nurse.page(f"/conversations/{key}")
    assert "07700 900123" in admin.page(f"/conversations/{key}")
    assert "07700 900123" not in nurse.page("/conversations?" + urlencode({"q": "prices"}))
    # The clinic's own urgent line, which the assistant gave out, is not masked.
    urgent = nurse.page(f"/conversations/{conversation_key(indexed.conversations['urgent'])}")
    assert "+44 20 7946 0911" in urgent and "+447700900789" not in urgent


def test_viewing_a_transcript_and_the_list_is_audited(indexed, nurse):
    sender = indexed.conversations["urgent"]
    nurse.page(f"/conversations/{conversation_key(sender)}")
    nurse.page("/conversations?" + urlencode({"handoff": "urgent"}))
    username = indexed.username("nurse")
    views = recent_entries(indexed.db, 200, AuditAction.VIEW_TRANSCRIPT)
    assert any(e.actor == username and e.target_id == sender for e in views)
    lists = recent_entries(indexed.db, 200, AuditAction.VIEW_CONVERSATIONS)
    assert any(e.actor == username and e.detail["filters"].get("handoff") == "urgent" for e in lists)
    assert nurse.get("/conversations/!!notakey!!").status_code == 404
    assert nurse.get(f"/conversations/{conversation_key('nobody-ever')}").status_code == 404
