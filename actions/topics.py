"""Every button the actions send: human-readable names for what visitors ask about, the
payload for each, and the few fixed choices (yes/no, a person or rephrase, registering).

Topics are intent names, or `faq/<key>` for the FAQ answers (clinic.intents.FAQ_KEYS; the
labels, the next steps, domain.yml and the NLU data name the same keys: tests/test_intent_contract.py).
The plain responses in domain.yml that carry buttons use these labels too (same test).
"""

from __future__ import annotations

import json
from typing import Dict, Iterable, List, Optional

from clinic.config import Event
from clinic.intents import FAQ_INTENT, FAQ_KEYS

Button = Dict[str, str]

FAQ_LABELS: Dict[str, str] = {
    "microneedling_what": "What is micro-needling?",
    "microneedling_how": "How micro-needling works",
    "microneedling_benefits": "Benefits of micro-needling",
    "microneedling_pain": "Does micro-needling hurt?",
    "microneedling_depth": "How deep the needles go",
    "microneedling_session_length": "How long a session takes",
    "microneedling_sessions": "How many sessions you need",
    "microneedling_results": "When you'll see results",
    "microneedling_safety": "Safety and side effects",
    "downtime": "Downtime and recovery",
    "aftercare": "Aftercare",
    "product_absorption": "Why products absorb better",
    "inner_glow_program": "The Inner-glow programme",
    "compare_treatments": "Micro-needling vs other treatments",
    "acne_treatments": "Acne treatments",
    "acne_scars": "Acne scars",
    "acne_causes": "What causes acne",
    "skin_type_suitability": "Which skin types it suits",
}

INTENT_LABELS: Dict[str, str] = {
    "book_consultation": "Book a consultation",
    "ask_price": "Prices",
    "ask_hours": "Opening hours",
    "ask_location": "Where we are",
    "ask_contact": "Contact details",
    "event_info": "Upcoming events",
    "event_register": "Register for an event",
    "cancel_registration": "Cancel an event registration",
    "human_handoff": "Talk to a person",
    "medical_question": "Ask a professional",
    "urgent_medical": "Urgent problem after a treatment",
    "bot_challenge": "Who am I talking to?",
}


# The natural next steps offered under each FAQ answer (as buttons; see actions/faq.py).
FAQ_NEXT_STEPS: Dict[str, List[str]] = {
    "microneedling_what": ["faq/microneedling_benefits", "faq/downtime", "book_consultation"],
    "microneedling_how": ["faq/microneedling_pain", "faq/microneedling_depth", "book_consultation"],
    "microneedling_benefits": ["faq/microneedling_results", "faq/acne_scars", "book_consultation"],
    "microneedling_pain": ["faq/microneedling_session_length", "faq/downtime", "book_consultation"],
    "microneedling_depth": ["faq/microneedling_pain", "faq/microneedling_safety", "book_consultation"],
    "microneedling_session_length": ["faq/microneedling_sessions", "book_consultation"],
    "microneedling_sessions": ["faq/microneedling_results", "book_consultation"],
    "microneedling_results": ["faq/microneedling_sessions", "book_consultation"],
    "microneedling_safety": ["faq/downtime", "medical_question", "book_consultation"],
    "downtime": ["faq/aftercare", "book_consultation"],
    "aftercare": ["faq/downtime", "medical_question"],
    "product_absorption": ["faq/inner_glow_program", "book_consultation"],
    "inner_glow_program": ["faq/microneedling_what", "book_consultation"],
    "compare_treatments": ["faq/microneedling_benefits", "book_consultation"],
    "acne_treatments": ["event_info", "faq/acne_scars", "book_consultation"],
    "acne_scars": ["faq/microneedling_sessions", "event_info", "book_consultation"],
    "acne_causes": ["faq/acne_treatments", "event_info"],
    "skin_type_suitability": ["faq/microneedling_safety", "medical_question", "book_consultation"],
}


def faq_payload(key: str) -> str:
    return f"/{FAQ_INTENT}" + json.dumps({"faq_key": key})


def topic_button(topic: str) -> Optional[Button]:
    """A button for an intent name or `faq/<key>`; None when the topic has no label."""
    if topic.startswith(f"{FAQ_INTENT}/"):
        key = topic.split("/", 1)[1]
        label = FAQ_LABELS.get(key) if key in FAQ_KEYS else None
        return {"title": label, "payload": faq_payload(key)} if label else None
    label = INTENT_LABELS.get(topic)
    return {"title": label, "payload": f"/{topic}"} if label else None


def topic_buttons(topics: Iterable[str]) -> List[Button]:
    """Buttons for the topics that have a label, in order."""
    return [button for button in map(topic_button, topics) if button]


def main_menu() -> List[Button]:
    return topic_buttons([f"{FAQ_INTENT}/microneedling_what", "event_info", "book_consultation"])


def next_steps(faq_key: str) -> List[Button]:
    """The buttons under an FAQ answer."""
    return topic_buttons(FAQ_NEXT_STEPS.get(faq_key, []))


def yes_no() -> List[Button]:
    return [{"title": "Yes, please", "payload": "/affirm"}, {"title": "No, thanks", "payload": "/deny"}]


def person_or_rephrase() -> List[Button]:
    return [
        {"title": "Yes, talk to a person", "payload": "/human_handoff"},
        {"title": "No, I'll rephrase", "payload": "/deny"},
    ]


def register_buttons(events: List[Event]) -> List[Button]:
    """One button per event offered ("Yes, register me" when there is one), then "No, thanks"."""
    buttons = [
        {
            "title": f"Register: {event.title}" if len(events) > 1 else "Yes, register me",
            "payload": "/event_register" + json.dumps({"event_id": event.id}),
        }
        for event in events
    ]
    return buttons + [yes_no()[1]]
