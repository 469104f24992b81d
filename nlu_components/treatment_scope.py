"""A general question about a treatment the clinic does not offer is not an FAQ question.

Every FAQ answer is about micro-needling, its downtime and aftercare, or acne. Real visitors also
ask about the treatments around it, on their own: "Does dermaplaning make hair grow back
thicker?", "HydraFacial vs microdermabrasion, which is better?", "How long does Botox last?".
The intent classifier learns `faq` from the shape of such questions (how long, how often, which
is better) and the ResponseSelector then picks the nearest micro-needling answer: downtime,
sessions, comparisons, even acne causes, an answer to a question nobody asked. PRODUCT.md sends
these to `out_of_scope`, whose reply says what the clinic can help with.

`TreatmentScope` does that after the classifiers: a message whose winner is `faq`, that names a
treatment the clinic does not offer (`OTHER_TREATMENTS`, clinic/treatments.py) and names neither micro-needling (in any
of its names, brands and home devices) nor acne, spots or scars, becomes `out_of_scope`. It only
ever moves a message from one harmless answer to another: a medical or urgent winner, a fallback
or any other intent is left alone, and the safety net (nlu_components/medical_safety_net.py)
runs after it. Comparisons with micro-needling stay `faq/compare_treatments`; acne questions
that mention a peel or a laser keep the acne answers, which cover those treatments too.
"""

from __future__ import annotations

from typing import Optional, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from clinic.treatments import names_other_treatment_only
from nlu_components.message_rules import IntentRule

FAQ = "faq"
OUT_OF_SCOPE = "out_of_scope"
SCOPE_KEY = "treatment_scope"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class TreatmentScope(IntentRule):
    record_key = SCOPE_KEY

    def _decide(self, message: Message) -> Optional[Tuple[str, str]]:
        intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        if intent != FAQ or not names_other_treatment_only(message.get(TEXT) or ""):
            return None
        return OUT_OF_SCOPE, "names a treatment the clinic does not offer, and nothing the FAQ answers"
