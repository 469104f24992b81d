"""A follow-up that names only a subject ("what about swimming?", "and make-up?"), read against
the FAQ answer just given.

On its own such a message says too little for the NLU, which reads one message at a time: it
gets a weak FAQ choice or none, and the visitor was asked to rephrase. Right after an FAQ answer
it means "and what does that answer say about <subject>?". When that answer speaks of the
subject, the parts of it that do are the reply ("avoid exercise, saunas and swimming for a day
or two"), quoted from the answer as it was sent, so nothing is said that the clinic's answer
does not say. Anything else (a subject the last answer does not mention, no FAQ answer just
before, a message about the visitor's own health) is left to the usual reply.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.wording import say

# "what about swimming?", "how about the gym?", "and make-up?", "ok and saunas??", "swimming too?"
_FOLLOW_UP = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|oh|and|but|so|also)\W+)*"
    r"(?:(?:what|how) about\s+(?:the\s+|a\s+|an\s+)?(?P<asked>[a-z][a-z' -]*?)"
    r"|(?:and|also)\s+(?:the\s+|a\s+|an\s+)?(?P<named>[a-z][a-z' -]*?)"
    r"|(?P<too>[a-z][a-z' -]*?)\s+(?:too|as well))"
    r"\W*$",
    re.IGNORECASE,
)
_MAX_SUBJECT_WORDS = 3
# Words that make a subject a question of its own ("what about it?", "and how long?"), or say nothing.
_NOT_A_SUBJECT = frozenset(
    "it that this them those these me you my your i how what when where why who which can do does is are "
    "will would should could much many long price cost".split()
)
_CLAUSE = re.compile(r"(?<=[.;!?])\s+")
_WORD = re.compile(r"[a-z']+")
_FAQ_RESPONSE = "utter_faq/"
FOLLOW_UP = "follow_up"  # the topic answered, for the other questions of the message
_SUFFIXES = ("ing", "es", "s", "ed")
# A subject named in other words than the answers use ("the gym" for exercise).
_SAME_AS = {
    "gym": "exercise",
    "workout": "exercise",
    "working out": "exercise",
    "training": "exercise",
    "running": "exercise",
    "pool": "swimming",
    "swim": "swimming",
    "steam room": "sauna",
    "sunbathing": "sun",
    "sunbed": "sun",
    "sunscreen": "spf",
    "foundation": "makeup",
    "retinol": "retinoids",
    "actives": "active",
}


def follow_up_subject(text: str) -> Optional[str]:
    """The subject a follow-up names ("swimming" in "what about swimming?"), or None."""
    match = _FOLLOW_UP.match((text or "").strip())
    if not match:
        return None
    subject = (match.group("asked") or match.group("named") or match.group("too") or "").strip(" -'")
    words = subject.lower().split()
    if not words or len(words) > _MAX_SUBJECT_WORDS or any(word in _NOT_A_SUBJECT for word in words):
        return None
    return subject


def _stem(word: str) -> str:
    """Enough of a word to find its other forms (swim, swims, swimming; sauna, saunas)."""
    word = word.lower().replace("-", "")
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    return word.rstrip("m") if word.endswith("mm") else word


def _speaks_of(clause: str, stems: List[str]) -> bool:
    folded = clause.lower().replace("-", "")
    words = [_stem(word) for word in _WORD.findall(folded)]
    return all(any(_same_word(word, stem) for word in words) for stem in stems)


def _same_word(word: str, stem: str) -> bool:
    """A short stem only as a whole word ("sun", not "sunburn"); a longer one as a word's start,
    give or take its last letter for a long one ("exfoliat(ing)", "exfolian(ts)")."""
    if word == stem:
        return True
    return len(stem) >= 5 and (word.startswith(stem) or (len(stem) >= 7 and word.startswith(stem[:-1])))


def passages_about(answer: str, subject: str) -> List[str]:
    """The sentences or clauses of ``answer`` that speak of ``subject`` (every word of it), each
    as a sentence of its own."""
    subject = _SAME_AS.get(subject.lower(), subject)
    stems = [_stem(word) for word in re.split(r"[\s-]+", subject) if len(word) > 2]
    joined = _stem(re.sub(r"[\s-]+", "", subject))  # "make up", "make-up": as the answer folds it, "makeup"
    if not stems or len(joined) < 3:
        return []
    clauses = [clause.strip() for clause in _CLAUSE.split(answer) if clause.strip()]
    chosen: List[str] = []
    for index, clause in enumerate(clauses):
        if _speaks_of(clause, stems) or _speaks_of(clause, [joined]):
            chosen.append(clause)
            # "Planning around a wedding? Leave at least a week...": the question's answer too.
            if clause.endswith("?") and index + 1 < len(clauses):
                chosen.append(clauses[index + 1])
    return [_as_sentence(clause) for clause in dict.fromkeys(chosen)]


def _as_sentence(clause: str) -> str:
    """ "General aftercare: skip make-up for about 24 hours;" -> "Skip make-up for about 24 hours." """
    clause = clause.split(": ", 1)[1] if re.match(r"^[A-Z][\w -]{0,30}: ", clause) else clause
    clause = clause.rstrip(" ;,")
    clause = clause if clause.endswith((".", "!", "?")) else clause + "."
    return clause[0].upper() + clause[1:]


def last_faq_answer(events: Iterable[Dict[str, Any]]) -> Optional[str]:
    """The text of the FAQ answer sent in reply to the visitor's previous message, if one was."""
    seen_this_message = False
    answer = None
    for event in reversed(list(events)):
        kind = event.get("event")
        if kind == "user":
            if seen_this_message:
                return answer
            seen_this_message = True
        elif kind == "bot" and seen_this_message and answer is None:
            utter_action = (event.get("metadata") or {}).get("utter_action") or ""
            if utter_action.startswith(_FAQ_RESPONSE):
                answer = event.get("text")
    return None


def answer_from_last_answer(dispatcher: CollectingDispatcher, tracker: Tracker, chosen_topic: str = "") -> bool:
    """Reply to a follow-up naming a subject from the FAQ answer just given; True if it did.
    ``chosen_topic``: what the answer the NLU chose with confidence is about; a subject it names
    ("what about the pain?", the pain answer chosen) gets that answer instead."""
    subject = follow_up_subject(tracker.latest_message.get("text") or "")
    if subject is None or passages_about(chosen_topic, subject):
        return False
    answer = last_faq_answer(tracker.events)
    passages = passages_about(answer or "", subject)
    if not passages:
        return False
    say(dispatcher, "utter_follow_up_from_last_answer", subject=subject, passages=" ".join(passages))
    return True
