"""A conversation's transcript from its tracker events (written by Rasa's SQLTrackerStore) and
its tickets and registrations, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
import tracker_fixtures
from rasa_conversations import FAQ_ANSWERS, ConversationBuilder

from clinic.conversation_transcript import (
    ActionStep,
    AssistantMessage,
    Button,
    Entity,
    FormStep,
    IntentScore,
    SessionStart,
    SlotChange,
    VisitorMessage,
    load_transcript,
)
from clinic.registrations import register_for_event
from clinic.tickets import open_ticket

rasa_tracker = tracker_fixtures.rasa_tracker  # the fixture, used by name
UTC = dt.timezone.utc
START = dt.datetime(2026, 3, 2, 9, 30, tzinfo=UTC).timestamp()
TREATMENT = {
    "entity": "treatment",
    "value": "microneedling",
    "start": 24,
    "end": 37,
    "extractor": "SpacyEntityExtractor",
}


def two_sessions() -> ConversationBuilder:
    c = ConversationBuilder("visitor-7", START, channel="socketio").session()
    c.button("greet").reply("action_greet", "Hi! How can I help?", [("Upcoming events", "/event_info")])
    c.visitor(
        "how long is downtime of microneedling?",
        "faq",
        0.99,
        runner_ups=[
            ("medical_question", 0.004),
            ("event_info", 0.003),
            ("ask_price", 0.002),
            ("greet", 0.001),
            ("thank", 0.0005),
        ],
        faq=("downtime", 0.93),
        entities=[TREATMENT],
    )
    c.faq_answer("downtime")
    c.button("faq", faq_key="aftercare").faq_answer("aftercare")
    c.wait(3 * 3600).session()  # a new session hours later
    c.visitor("does it hurt? I'm on accutane", "medical_question", 0.91, runner_ups=[("faq", 0.06)])
    c.reply(
        "action_medical_reply", "That needs a professional. Shall I pass it on?", [("Yes", "/affirm"), ("No", "/deny")]
    )
    c.visitor("yes", "affirm", 0.98).action("action_prepare_handoff").action("handoff_form")
    c.form("handoff_form").asks("visitor_name", "What's your name?").listen()
    c.visitor("Ann Smith", "nlu_fallback", 0.45, runner_ups=[("affirm", 0.2)])
    c.slot("visitor_name", "Ann Smith").action("handoff_form").rejected("handoff_form")
    c.asks(None).form(None).action("action_submit_handoff").says("Thank you, reference MED-ABCD.").listen()
    return c


def test_the_transcript_shows_every_step_in_order(db, rasa_tracker, clinic_config):
    rasa_tracker.add(two_sessions())
    ticket = open_ticket("medical", "visitor-7", channel="socketio", name="Ann Smith", email="ann@example.com", db=db)
    event_id = clinic_config.events[1].id
    register_for_event(clinic_config, event_id, name="Ann Smith", email="ann@example.com", sender_id="visitor-7", db=db)
    open_ticket("medical", "someone-else", db=db)

    transcript = load_transcript(rasa_tracker.reader, db, "visitor-7")
    items = transcript.items
    assert [item.kind for item in items].count("session_start") == 2
    assert isinstance(items[0], SessionStart) and items[0].at == dt.datetime.fromtimestamp(START + 0.02, UTC)
    assert all(item.at.tzinfo == UTC for item in items)
    assert [item.event_id for item in items] == sorted(item.event_id for item in items)
    assert not any(
        isinstance(item, ActionStep) and item.name in ("action_listen", "action_session_start") for item in items
    )

    visitors = [item for item in items if isinstance(item, VisitorMessage)]
    assert [v.text for v in visitors] == [
        "/greet",
        "how long is downtime of microneedling?",
        '/faq{"faq_key": "aftercare"}',
        "does it hurt? I'm on accutane",
        "yes",
        "Ann Smith",
    ]
    greet, question, button, medical = visitors[:4]
    assert greet.is_button_payload and greet.intent == "greet" and greet.channel == "socketio"
    assert (question.intent, question.confidence, question.faq_key, question.faq_confidence) == (
        "faq",
        0.99,
        "downtime",
        0.93,
    )
    assert not question.is_button_payload
    assert question.runner_ups == (
        IntentScore("medical_question", 0.004),
        IntentScore("event_info", 0.003),
        IntentScore("ask_price", 0.002),
        IntentScore("greet", 0.001),
    )
    assert question.entities == (Entity("treatment", "microneedling", 24, 37, "SpacyEntityExtractor"),)
    assert (button.faq_key, button.faq_confidence, button.is_button_payload) == ("aftercare", None, True)
    assert (medical.intent, medical.confidence, medical.faq_key) == ("medical_question", 0.91, None)
    assert medical.runner_ups == (IntentScore("faq", 0.06),)
    assert visitors[-1].intent == "nlu_fallback" and visitors[-1].runner_ups[0] == IntentScore("affirm", 0.2)

    replies = [item for item in items if isinstance(item, AssistantMessage)]
    assert replies[0].buttons == (Button("Upcoming events", "/event_info"),)
    faq_reply = replies[1]
    assert (faq_reply.text, faq_reply.response) == (FAQ_ANSWERS["downtime"], "utter_faq/downtime")
    assert replies[3].buttons == (Button("Yes", "/affirm"), Button("No", "/deny"))

    quiet = [item for item in items if item.quiet]
    assert all(isinstance(item, (ActionStep, FormStep, SlotChange)) for item in quiet)
    forms = [(item.form, item.requested_slot) for item in items if isinstance(item, FormStep)]
    assert forms == [("handoff_form", None), ("handoff_form", "visitor_name"), (None, None)]
    assert SlotChange in {type(item) for item in items}
    assert [item.name for item in items if isinstance(item, SlotChange)] == ["visitor_name"]
    actions = [(item.name, item.rejected) for item in items if isinstance(item, ActionStep)]
    assert ("action_answer_faq", False) in actions and ("handoff_form", True) in actions
    assert actions[-1] == ("action_submit_handoff", False)

    assert [t.reference for t in transcript.tickets] == [ticket.ticket.reference]
    assert transcript.tickets[0].kind == "medical" and transcript.tickets[0].status == "open"
    assert [(r.event_id, r.status) for r in transcript.registrations] == [(event_id, "confirmed")]
    assert transcript.channel == "socketio" and not transcript.truncated
    assert transcript.started_at < transcript.last_event_at


def test_unknown_conversation_has_no_transcript(db, rasa_tracker):
    assert load_transcript(rasa_tracker.reader, db, "nobody") is None


def test_a_very_long_conversation_keeps_its_latest_events(db, rasa_tracker):
    c = ConversationBuilder("chatty", START).session()
    for n in range(30):
        c.visitor(f"message number {n}", "out_of_scope", 0.7).reply("utter_out_of_scope", "Sorry.")
    rasa_tracker.add(c)
    transcript = load_transcript(rasa_tracker.reader, db, "chatty", max_events=40)
    assert transcript.truncated
    texts = [item.text for item in transcript.items if isinstance(item, VisitorMessage)]
    assert texts[-1] == "message number 29" and "message number 0" not in texts
    assert load_transcript(rasa_tracker.reader, db, "chatty").truncated is False


@pytest.mark.parametrize("text", ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"])
def test_visitor_text_is_kept_verbatim_for_the_template_to_escape(db, rasa_tracker, text):
    rasa_tracker.add(ConversationBuilder("markup", START).session().visitor(text, "out_of_scope", 0.6))
    (message,) = [item for item in load_transcript(rasa_tracker.reader, db, "markup").items if item.kind == "visitor"]
    assert message.text == text
