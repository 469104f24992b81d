"""Real conversations through the real Rasa server and action server over REST, then indexed,
searched and transcribed from the tracker store Rasa wrote: the shapes the console reads are
the ones Rasa 3.6 and this assistant's pipeline produce."""

from __future__ import annotations

from clinic.conversation_index import catch_up
from clinic.conversation_search import ConversationQuery, conversation_row, search_conversations
from clinic.conversation_transcript import AssistantMessage, FormStep, SessionStart, VisitorMessage, load_transcript
from clinic.tracker_store import TrackerStoreReader

FAQ = "console-index-faq"
MEDICAL = "console-index-medical"


def senders(db, **filters):
    return [row.sender_id for row in search_conversations(db, ConversationQuery(page_size=200, **filters)).rows]


def test_conversations_rasa_stored_are_indexed_searchable_and_transcribed(servers):
    assert "downtime" in servers.say(FAQ, "how long is the downtime after microneedling?").lower()
    servers.say(FAQ, '/faq{"faq_key": "aftercare"}')
    assert "licensed professional" in servers.say(MEDICAL, "I'm on roaccutane, is microneedling safe for me?")
    assert "What's your name?" in servers.say(MEDICAL, "yes please")
    servers.say(MEDICAL, "my name is Ana Silva")
    servers.say(MEDICAL, "it's ana.silva@example.com")
    servers.say(MEDICAL, "yes")

    db = servers.database()
    reader = TrackerStoreReader(f"sqlite:///{servers.tracker_db}")
    try:
        result = catch_up(db, reader)
        assert result.events > 0 and result.last_event_id == reader.last_event_id()
        assert catch_up(db, reader).events == 0

        assert FAQ in senders(db, intent="faq/downtime") and MEDICAL not in senders(db, intent="faq/downtime")
        assert FAQ in senders(db, intent="faq/aftercare")
        found = senders(db, text="roaccutane")  # other tests' conversations may mention it too
        assert MEDICAL in found and FAQ not in found
        assert MEDICAL in senders(db, handoff="medical", channel="rest") and FAQ not in senders(db, handoff="any")
        assert MEDICAL in senders(db, intent="medical_question")
        medical = conversation_row(db, MEDICAL)
        assert medical.had_medical and medical.channel == "rest" and medical.visitor_messages == 5
        assert medical.first_visitor_message == "I'm on roaccutane, is microneedling safe for me?"
        assert "medical" in medical.badges and medical.ticket_kinds == ("medical",)
        faq = conversation_row(db, FAQ)
        assert (faq.visitor_messages, faq.first_visitor_message) == (2, "how long is the downtime after microneedling?")

        transcript = load_transcript(reader, db, FAQ)
        assert isinstance(transcript.items[0], SessionStart)
        question, button = [item for item in transcript.items if isinstance(item, VisitorMessage)]
        assert (question.intent, question.faq_key, question.channel) == ("faq", "downtime", "rest")
        assert question.confidence > 0.5 and question.faq_confidence > 0.5 and not question.is_button_payload
        assert question.runner_ups and all(score.name != "faq" for score in question.runner_ups)
        assert (button.faq_key, button.faq_confidence, button.is_button_payload) == ("aftercare", None, True)
        answers = [item for item in transcript.items if isinstance(item, AssistantMessage)]
        assert [answer.response for answer in answers] == ["utter_faq/downtime", "utter_faq/aftercare"]
        assert answers[0].buttons and all(button.payload.startswith("/") for button in answers[0].buttons)
        assert any(item.kind == "action" and item.name == "action_answer_faq" for item in transcript.items)

        handoff = load_transcript(reader, db, MEDICAL)
        asked = [item.requested_slot for item in handoff.items if isinstance(item, FormStep) and item.requested_slot]
        assert asked[0] == "visitor_name" and "visitor_contact" in asked
        assert [ticket.kind for ticket in handoff.tickets] == ["medical"]
    finally:
        reader.dispose()
