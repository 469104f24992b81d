"""A safety net after intent classification: missing a medical question is the worst error.

Runs after the FallbackClassifier and changes the intent towards more caution, with one
exception (the last point):

* a message naming an unambiguous red flag (entity `red_flag` from the spaCy entity ruler:
  pus, fever, hives, trouble breathing, bleeding that won't stop, ...; or the same signs in
  the commonest other languages of a clinic's visitors, nlu_components/red_flag_lexicon.py)
  becomes `urgent_medical`, whatever the classifier said, unless it only asks about the sign
  in general ("can microneedling cause an infection?", nlu_components/question_framing.py);
* when the classifier's winner is not medical but `urgent_medical` or `medical_question`
  still has at least `second_opinion_threshold` confidence, the message is treated as that
  medical intent (the cost of a missed medical question is far higher than a cautious reply);
* when the winner is `medical_question` but `urgent_medical` has at least
  `urgent_second_opinion_threshold`, the message is treated as urgent. This one can be looser:
  its cost is a safety message to someone whose question goes to a professional anyway, where
  the first one's is a harmless question sent to a professional;
* neither second opinion makes a message urgent unless it names a sign or a part of the body
  (an entity of `SIGN_ENTITIES`, clinic/intents.py; a lexicon red flag has made it urgent already): "OMG I
  can't wait for the event!!!" once had 0.40 for `urgent_medical` beside the event, and was
  sent the emergency message. Every urgent training example and every urgent message of the
  evaluation sets names one; a winning `urgent_medical` is never questioned this way ("I feel
  really unwell after the treatment" names none and stays urgent);
* when the winner is a bare answer (`affirm`, `deny`) but the message is a question of some
  length ("?" and at least `question_words` words: "Yes I've had it twice before but now I'm
  on roaccutane, is it still ok?"), the answer is not what it is: if the best-ranked intent
  that is not an answer is medical, the message is that medical intent. Every `affirm` and
  `deny` training example is shorter; real posts that open with "yes" or "ok" and then ask
  about the writer's own situation were taken for a "yes" (and a "yes" accepts the last offer);
  likewise a `stop` winner on a message of at least `statement_words` words (every `stop`
  example has at most 8): a real 40-word account of a filler gone wrong was read as "stop",
  which would have left a hand-off form and offered nothing;
* a question that asks about a sign in general and reports none (the same narrow test as for
  the red flags: "When does the swelling go down after lip filler?", "What happens if you pop
  a pimple with pus?") never gets the emergency message, even when the classifier reads it as
  `urgent_medical`: the urgent line is for red flags reported (PRODUCT.md). It goes to a
  professional when `medical_question` has the second-opinion confidence, or else to the
  best-ranked intent that is not urgent. The classifier learnt urgency from words (most of its
  urgent examples name swelling, pus or blisters), and 12 of 54 real general questions about
  such signs were sent down the urgent path (`general_questions_not_urgent`).

With the seed ensemble (nlu_components/seed_ensemble.py) a confidence is the members' mean, so
a threshold reads as a share of the ensemble: 0.3 of three members is one member sure of it.

What it changed is recorded in the parse data under `safety_net`, so staff can see it.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from clinic.intents import names_a_sign
from nlu_components.message_rules import IntentRule, ranking_of
from nlu_components.question_framing import asks_in_general
from nlu_components.red_flag_lexicon import find_red_flags, named_term_is_a_sign, normalize

URGENT = "urgent_medical"
MEDICAL = "medical_question"
ANSWERS = frozenset({"affirm", "deny"})
STOP = "stop"
BARE = ANSWERS | {STOP}  # an answer or a command, never a question or an account
_WORD = re.compile(r"[\w']+")
SAFETY_NET_KEY = "safety_net"
RED_FLAG_REASON = "red flag:"


def reported_red_flags(text: str, named: Iterable[Any] = ()) -> List[str]:
    """The red flags a message reports: those `named` by the entity ruler (less a term used in its
    everyday sense, such as "weeping" for crying) plus the lexicon's, or none when the message
    only asks about a sign in general."""
    flags = [str(value) for value in named if named_term_is_a_sign(str(value), text)]
    flags += [f"{words} ({language})" for language, words in find_red_flags(text) if not _part_of_any(words, flags)]
    return sorted(set(flags)) if flags and not asks_in_general(text) else []


def _part_of_any(words: str, named: List[str]) -> bool:
    """Whether another language's match is part of a sign the entity ruler already named: "anaphyla"
    (German, French) inside "anaphylaxis" is the English word, and staff reading the reason
    should see that one, not two foreign readings of it. The lexicon matched on its own folded
    text (`normalize`), so the named terms are folded the same way before they are compared."""
    return any(words in normalize(term) for term in named)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class MedicalSafetyNet(IntentRule):
    record_key = SAFETY_NET_KEY

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "red_flag_entity": "red_flag",
            "second_opinion_threshold": 0.3,
            "urgent_second_opinion_threshold": 0.3,
            "question_words": 8,
            "statement_words": 20,
            "general_questions_not_urgent": True,
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.red_flag_entity = config["red_flag_entity"]
        self.threshold = float(config["second_opinion_threshold"])
        self.urgent_threshold = float(config["urgent_second_opinion_threshold"])
        self.question_words = int(config["question_words"])
        self.statement_words = int(config["statement_words"])
        self.general_not_urgent = bool(config["general_questions_not_urgent"])

    def _decide(self, message: Message) -> Optional[tuple]:
        intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        if intent is None:
            return None
        text = message.get(TEXT) or ""
        general = self.general_not_urgent and asks_in_general(text)
        if intent == URGENT and not general:
            return None
        named = [e.get("value") for e in message.get(ENTITIES) or [] if e.get("entity") == self.red_flag_entity]
        red_flags = reported_red_flags(text, named)
        if red_flags:
            return URGENT, f"{RED_FLAG_REASON} {', '.join(red_flags)}"
        ranked = message.get(INTENT_RANKING_KEY) or []
        ranking = ranking_of(message)
        if general:
            return self._decide_general(intent, ranked, ranking)
        kind = self._not_bare(intent, text)
        if kind:
            following = next(
                (item.get(INTENT_NAME_KEY) for item in ranked if item.get(INTENT_NAME_KEY) not in BARE), None
            )
            if following in (URGENT, MEDICAL):
                return following, f"{kind}, not a bare {intent}: {following} ranked next"
        if intent == MEDICAL:
            candidates = [(URGENT, self.urgent_threshold)]
        else:
            candidates = [(URGENT, self.threshold), (MEDICAL, self.threshold)]
        for candidate, threshold in candidates:
            if candidate == URGENT and not names_a_sign(message.get(ENTITIES)):
                continue
            if ranking.get(candidate, 0.0) >= threshold:
                return candidate, f"{candidate} confidence {ranking[candidate]:.2f} >= {threshold}"
        return None

    def _decide_general(self, intent: str, ranked: List[Dict[str, Any]], ranking: Dict[str, float]) -> Optional[tuple]:
        """A question about a sign in general, reporting none: never the emergency message (the
        urgent line is for red flags reported), but still a professional when `medical_question`
        has the second-opinion confidence."""
        if intent == MEDICAL:
            return None
        if ranking.get(MEDICAL, 0.0) >= self.threshold:
            return MEDICAL, f"asked in general; {MEDICAL} confidence {ranking[MEDICAL]:.2f} >= {self.threshold}"
        if intent != URGENT:
            return None
        following = next((item.get(INTENT_NAME_KEY) for item in ranked if item.get(INTENT_NAME_KEY) != URGENT), None)
        return (following or MEDICAL), "asked in general, no red flag reported: not urgent"

    def _not_bare(self, intent: str, text: str) -> Optional[str]:
        """What the message is instead of a bare answer or command ("a question", "an account"), or None."""
        words = len(_WORD.findall(text))
        if intent in ANSWERS and "?" in text and words >= self.question_words:
            return "a question"
        if intent == STOP and words >= self.statement_words:
            return "an account"
        return None
