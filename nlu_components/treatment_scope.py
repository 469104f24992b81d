"""A general question about a treatment the clinic does not offer is not an FAQ question.

Every FAQ answer is about micro-needling, its downtime and aftercare, or acne. Real visitors also
ask about the treatments around it, on their own: "Does dermaplaning make hair grow back
thicker?", "HydraFacial vs microdermabrasion, which is better?", "How long does Botox last?".
The intent classifier learns `faq` from the shape of such questions (how long, how often, which
is better) and the ResponseSelector then picks the nearest micro-needling answer: downtime,
sessions, comparisons, even acne causes, an answer to a question nobody asked. PRODUCT.md sends
these to `out_of_scope`, whose reply says what the clinic can help with.

`TreatmentScope` does that after the classifiers: a message whose winner is `faq`, that names a
treatment the clinic does not offer (`OTHER_TREATMENTS`) and names neither micro-needling (in any
of its names, brands and home devices) nor acne, spots or scars, becomes `out_of_scope`. It only
ever moves a message from one harmless answer to another: a medical or urgent winner, a fallback
or any other intent is left alone, and the safety net (nlu_components/medical_safety_net.py)
runs after it. Comparisons with micro-needling stay `faq/compare_treatments`; acne questions
that mention a peel or a laser keep the acne answers, which cover those treatments too.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu_components.message_rules import MessageRule, read_as

FAQ = "faq"
OUT_OF_SCOPE = "out_of_scope"
SCOPE_KEY = "treatment_scope"

# Treatments the clinic does not offer, as visitors write them (PRODUCT.md: Botox, fillers,
# lasers, peels; and the facials and resurfacing treatments compared with micro-needling).
OTHER_TREATMENTS = re.compile(
    r"\b(?:botox|botulinum|dysport|xeomin|(?:dermal |lip |cheek |under[- ]?eye )?fillers?|juvederm|restylane"
    r"|profhilo|sculptra|lasers?|fraxel|co2 resurfacing|ipl|intense pulsed light|photofacials?"
    r"|(?:chemical |aha |bha |tca |glycolic |salicylic |jessner )?peels?|microdermabrasion|micro[- ]dermabrasion"
    r"|hydra ?facials?|hydrating facials?|dermaplan(?:e|ed|ing)|led (?:light )?(?:therapy|facials?|masks?)"
    r"|thread lifts?|hifu|ultherapy|morpheus8|kybella|cool ?sculpting|tattoo removal|waxing|laser hair removal)\b",
    re.IGNORECASE,
)

# What the FAQ answers are about: micro-needling under its names, brands and home devices, the
# clinic's programme, and acne.
CLINIC_TOPICS = re.compile(
    r"\b(?:micro[- ]?needl\w*|needling|derma[- ]?(?:roll\w*|pen\w*|stamp\w*|needl\w*)|skin ?pen|collagen induction"
    r"|ecit|epidermal collagen|inner[- ]glow|acne|spots?|pimples?|zits?|breakouts?|blackheads?|whiteheads?"
    r"|scars?|scarring)\b",
    re.IGNORECASE,
)


def names_other_treatment_only(text: str) -> bool:
    """True when the text names a treatment the clinic does not offer and nothing the FAQ is about."""
    return bool(OTHER_TREATMENTS.search(text)) and not CLINIC_TOPICS.search(text)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class TreatmentScope(MessageRule):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    @staticmethod
    def _decide(message: Message) -> Optional[str]:
        intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        if intent != FAQ or not names_other_treatment_only(message.get(TEXT) or ""):
            return None
        return "names a treatment the clinic does not offer, and nothing the FAQ answers"

    def _process(self, message: Message) -> None:
        reason = self._decide(message)
        if not reason:
            return
        read_as(message, OUT_OF_SCOPE)
        message.set(SCOPE_KEY, {"original_intent": FAQ, "reason": reason}, add_to_output=True)
