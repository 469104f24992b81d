"""The intent contract: the names the product's interface is built on (../shared/PRODUCT.md).

The console's filters, analytics, tests and evaluation sets use these names; the NLU data
and domain.yml must define every one of them (tests/test_intent_contract.py checks).
"""

from __future__ import annotations

CONTRACT_INTENTS = (
    "greet",
    "goodbye",
    "thank",
    "affirm",
    "deny",
    "bot_challenge",
    "human_handoff",
    "out_of_scope",
    "book_consultation",
    "ask_price",
    "ask_hours",
    "ask_location",
    "ask_contact",
    "event_info",
    "event_register",
    "medical_question",
    "urgent_medical",
)
FAQ_INTENT = "faq"
FAQ_KEYS = (
    "microneedling_what",
    "microneedling_how",
    "microneedling_benefits",
    "microneedling_pain",
    "microneedling_depth",
    "microneedling_session_length",
    "microneedling_sessions",
    "microneedling_results",
    "microneedling_safety",
    "downtime",
    "aftercare",
    "product_absorption",
    "inner_glow_program",
    "compare_treatments",
    "acne_treatments",
    "acne_scars",
    "acne_causes",
    "skin_type_suitability",
)
FAQ_LABELS = tuple(f"{FAQ_INTENT}/{key}" for key in FAQ_KEYS)
MEDICAL_INTENTS = frozenset({"medical_question", "urgent_medical"})
# Entities of the spaCy entity ruler that name a sign or a part of the body. Nothing else can report
# a red flag, so an urgent reading that is not the NLU's winner counts only beside one of them (the
# safety net's second opinion, and the fallback's safety line and buttons).
SIGN_ENTITIES = frozenset({"symptom", "red_flag", "warning_sign", "body_area", "skin_concern"})


def names_a_sign(entities) -> bool:
    """Whether any of Rasa's extracted ``entities`` (dicts with "entity") names a sign or a body part."""
    return any(entity.get("entity") in SIGN_ENTITIES for entity in entities or ())
