"""Reading what the NLU pipeline concluded about a message.

Rasa thresholds the intent (FallbackClassifier) but not the answer the ResponseSelector
picks for a retrieval intent (RasaHQ/rasa#9751): a message can be confidently `faq` while
the chosen FAQ answer is a coin toss. `faq_choice` exposes that second confidence so a weak
match asks instead of answering wrongly; `is_miss` treats both cases as "not understood".

`changes_subject` decides, while a form waits for an answer, whether a message is that answer
or a clear change of subject (the forms' validators ask it: actions/visitor_details.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Tuple

from rasa_sdk import Tracker

from actions.settings import settings
from actions.topics import topic_button
from clinic.intents import FAQ_INTENT, FAQ_KEYS, MEDICAL_INTENTS, names_a_sign

FALLBACK_INTENT = "nlu_fallback"

# While a form waits for an answer, these always take the turn: a red flag or a medical
# question (safety first), and "stop". Any other intent of the contract (an FAQ question,
# "talk to a person", the clinic's hours...) takes it only when the NLU is at least this sure;
# below it, the message is the answer ("Kim" taken for an FAQ question at 0.52 is a name).
# Measured on the model of 2026-11-25: names and other answers scored at most 0.61 for an
# intent that could interrupt, real questions asked mid-form 0.88 and above.
ALWAYS_CHANGES_SUBJECT = MEDICAL_INTENTS | {"stop"}
MAY_CHANGE_SUBJECT = frozenset(
    {
        FAQ_INTENT,
        "human_handoff",
        "ask_price",
        "ask_hours",
        "ask_location",
        "ask_contact",
        "event_info",
        "bot_challenge",
        "out_of_scope",
    }
)
CHANGE_OF_SUBJECT_CONFIDENCE = 0.8
# "thanks, bye" leaves a form (data/rules.yml) whatever its confidence (goodbye 0.58 beside thank
# 0.39 on the model of 2026-12-07), when it says a farewell in so many words: then it is not a name.
FAREWELL = re.compile(r"\b(?:bye+|bye-bye|goodbye|good night|see (?:you|ya)|cya|ttyl|take care|that'?s all)\b", re.I)


@dataclass(frozen=True)
class FaqChoice:
    key: Optional[str]  # e.g. "downtime"; None when nothing usable was selected
    confidence: float
    from_button: bool

    @property
    def confident(self) -> bool:
        return self.key is not None and (self.from_button or self.confidence >= settings().faq_confidence_threshold)


def _intent_name(parse_data: Dict[str, Any]) -> Optional[str]:
    return (parse_data.get("intent") or {}).get("name")


def latest_intent(tracker: Tracker) -> Optional[str]:
    """The intent the NLU settled on for the latest message. Not rasa-sdk's
    `get_intent_of_latest_message`, which reads the top of the classifiers' ranking: the pipeline's
    rules (nlu_components/message_rules.py) change the intent and leave the ranking as the
    classifiers gave it, so "is it a problem if I'm late?" read as a booking was still ranked
    medical first, and a booking question the FallbackClassifier gave up on, nlu_fallback."""
    return _intent_name(tracker.latest_message or {})


def _button_faq_key(parse_data: Dict[str, Any]) -> Optional[str]:
    for entity in parse_data.get("entities") or []:
        if entity.get("entity") == "faq_key" and entity.get("value") in FAQ_KEYS:
            return entity["value"]
    return None


def faq_ranking(parse_data: Dict[str, Any]) -> List[Tuple[str, float]]:
    """[(key, confidence)] of the ResponseSelector, best first."""
    selector = (parse_data.get("response_selector") or {}).get("faq") or {}
    ranking = []
    for item in selector.get("ranking") or []:
        full_key = item.get("intent_response_key") or ""
        if full_key.startswith("faq/"):
            ranking.append((full_key.split("/", 1)[1], float(item.get("confidence") or 0.0)))
    return ranking


def faq_choice(parse_data: Dict[str, Any]) -> FaqChoice:
    key = _button_faq_key(parse_data)
    if key:
        return FaqChoice(key, 1.0, True)
    selector = (parse_data.get("response_selector") or {}).get("faq") or {}
    response = selector.get("response") or {}
    full_key = response.get("intent_response_key") or ""
    key = full_key.split("/", 1)[1] if full_key.startswith("faq/") else None
    if key not in FAQ_KEYS:
        key = None
    return FaqChoice(key, float(response.get("confidence") or 0.0), False)


# A whole message that only acknowledges ("cool", "got it", "good to know") asks nothing: the NLU
# may not be sure what it is (fallback 0.45 on the model of 2026-12-07), but it is no miss. The
# fallback acknowledges it (actions/fallback.py), and it never counts towards offering a person.
ACKNOWLEDGEMENT = re.compile(
    r"^\W*(?:(?:ok|okay|oh|ah|aah|right|alright)\W+)?(?:cool|nice|great|awesome|amazing|perfect|lovely|brilliant"
    r"|excellent|wonderful|interesting|wow|got it|gotcha|i see|understood|noted|makes sense|fair enough"
    r"|good to know|sounds good|that helps|that'?s helpful|ok|okay|alright|right)(?:\W+(?:thanks|thank you|cheers|ty))?\W*$",
    re.I,
)


def acknowledges_only(parse_data: Dict[str, Any]) -> bool:
    return bool(ACKNOWLEDGEMENT.match(parse_data.get("text") or ""))


# A message that says nothing yet: "hmm", "umm...", "?", "lol". The visitor is thinking or
# waiting; neither out of scope nor a miss, and an offer still open stays open.
FILLER = re.compile(r"^\W*(?:h+m+|u+m+|u+h+m*|e+r+m*|m{2,}|lol+|ha(?:ha)+|he(?:he)+)?\W*$", re.I)


def says_nothing(parse_data: Dict[str, Any]) -> bool:
    return bool(FILLER.match(parse_data.get("text") or ""))


def is_miss(parse_data: Dict[str, Any]) -> bool:
    """The assistant did not understand this message well enough to answer it."""
    if acknowledges_only(parse_data) or says_nothing(parse_data):
        return False
    intent = _intent_name(parse_data)
    if intent == FALLBACK_INTENT:
        return True
    return intent == "faq" and not faq_choice(parse_data).confident


def ranked_intents(parse_data: Dict[str, Any]) -> List[Tuple[str, float]]:
    """The NLU's ranking, less the fallback, and less `urgent_medical` when it is not the winner and
    the message names no sign or part of the body ("OMG I can't wait for the event!!!" had 0.40 for
    it): no safety line or "urgent problem" button for that."""
    plausible_urgent = _intent_name(parse_data) == "urgent_medical" or names_a_sign(parse_data.get("entities"))
    return [
        (item.get("name"), float(item.get("confidence") or 0.0))
        for item in parse_data.get("intent_ranking") or []
        if item.get("name")
        and item.get("name") != FALLBACK_INTENT
        and (item.get("name") != "urgent_medical" or plausible_urgent)
    ]


def candidate_topics(parse_data: Dict[str, Any], limit: int = 2) -> List[str]:
    """The likeliest topics that can be offered as buttons: intent names or faq/<key>.

    A FAQ answer's likelihood is the intent's confidence times the ResponseSelector's.
    """
    scores: Dict[str, float] = {}
    for name, confidence in ranked_intents(parse_data):
        if name == "faq":
            for key, answer_confidence in faq_ranking(parse_data):
                scores[f"faq/{key}"] = confidence * answer_confidence
        else:
            scores[name] = confidence
    ranked = sorted(scores, key=scores.get, reverse=True)
    return [topic for topic in ranked if topic_button(topic)][:limit]


def medical_among(parse_data: Dict[str, Any], top: int = 2) -> Optional[str]:
    """The medical intent among the `top` likeliest intents, the urgent one first."""
    names = [name for name, _ in ranked_intents(parse_data)[:top]]
    for intent in ("urgent_medical", "medical_question"):
        if intent in names:
            return intent
    return None


def user_turns(events: Iterable[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return [event.get("parse_data") or {} for event in events if event.get("event") == "user"]


def miss_streak(events: Iterable[Dict[str, Any]]) -> int:
    """How many of the latest user messages in a row were not understood (this one included)."""
    streak = 0
    for parse_data in reversed(user_turns(events)):
        if not is_miss(parse_data):
            break
        streak += 1
    return streak


# A question about the form's own question ("what do you mean?", "why do you need that?") stays
# with the form, which asks again, whatever the NLU made of it ("what do you mean?" was once a
# confident "what is micro-needling?").
ABOUT_THE_QUESTION = re.compile(
    r"^\W*(?:sorry\W+)?(?:what do you mean|what does that mean|meaning|why|why do you (?:need|want|ask)(?: for)?(?: that| this| it)?"
    r"|what(?:'s| is) (?:that|this|it) for|what for|huh|pardon|come again|i don'?t (?:understand|get it)|sorry)\W*$",
    re.I,
)


def changes_subject(parse_data: Dict[str, Any]) -> bool:
    """While a form waits for an answer: is this message a clear change of subject?"""
    intent = _intent_name(parse_data)
    if intent in ALWAYS_CHANGES_SUBJECT:
        return True
    if ABOUT_THE_QUESTION.match(parse_data.get("text") or ""):
        return False
    if intent == "goodbye":
        return bool(FAREWELL.search(parse_data.get("text") or ""))
    if intent not in MAY_CHANGE_SUBJECT:
        return False
    confidence = float((parse_data.get("intent") or {}).get("confidence") or 0.0)
    if confidence < CHANGE_OF_SUBJECT_CONFIDENCE:
        return False
    return intent != FAQ_INTENT or faq_choice(parse_data).confident


# A yes or a no the NLU read as something else ("ok sure" as a greeting, "nope" below the line):
# only a message that starts with one, and not "no problem" / "no worries", which mean yes.
STARTS_WITH_YES = re.compile(
    r"^\W*(?:y|yes+|yeah|yea|yep|yup|sure|ok|okay|k|fine|that'?s fine|of course|absolutely|certainly|go ahead"
    r"|please do|no problem|no worries)\b",
    re.I,
)
STARTS_WITH_NO = re.compile(
    r"^\W*(?:n|no+|nope|nah|no thanks?|rather not|i'?d rather not|please don'?t|don'?t)\b", re.I
)


# At a question only a detail answers (a name, an address), a no declines to go on at all: a
# plain one ("no", "nope, no thanks", STARTS_WITH_NO below) or "I don't want to book", "I'd prefer
# not", "I've changed my mind". Not "no, it's Jo" or "no email, but 07700 900123", which answer
# it: a digit, an @ or a name's lead-in means a detail was given.
DECLINES = re.compile(
    r"\b(?:don'?t|do not|dont) (?:want|wanna|wish|need) to\b|\b(?:rather|prefer) not\b|\bchanged my mind\b"
    r"|\bnot (?:interested|now)\b",
    re.I,
)
GIVES_A_DETAIL = re.compile(r"[\d@]|\b(?:it'?s|it is|my name(?:'s| is)|i'?m|i am|call me|this is)\b", re.I)


def declines_to_go_on(parse_data: Dict[str, Any]) -> bool:
    """Whether the answer to a name or contact question says no to going on at all."""
    text = parse_data.get("text") or ""
    said_no = (STARTS_WITH_NO.search(text) and not STARTS_WITH_YES.search(text)) or DECLINES.search(text)
    return bool(said_no) and not GIVES_A_DETAIL.search(text)


def yes_or_no(parse_data: Dict[str, Any]) -> Optional[bool]:
    """True for a yes, False for a no, None when the message is neither."""
    intent = _intent_name(parse_data)
    if intent == "affirm":
        return True
    if intent == "deny":
        return False
    text = parse_data.get("text") or ""
    if STARTS_WITH_YES.search(text):
        return True
    if STARTS_WITH_NO.search(text):
        return False
    return None
