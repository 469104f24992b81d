"""Messages that ask several things at once, each part read by the same pipeline.

"How much is micro-needling and how long is the downtime?" is one message and gets one
reading: the classifier gave `ask_price` 0.77 and the downtime answer 0.13 on the model of
2026-12-07, and on most such messages the second question leaves no trace in the ranking at
all. So the message is cut into its questions (`split_questions`), and each part goes through
the rest of the pipeline beside the whole message:

* `QuestionSplitter`, first in the pipeline, has the message read without the "and", "also" or
  "ok so" that opens a follow-up (`without_follow_up_opening`), and appends one message per part
  after the visitor's message. Every later component reads each message in the list (Rasa's own components and
  the project's do), so a part is tokenized, featurized, classified, given its FAQ answer and
  judged by the safety net exactly as a message of its own would be.
* `QuestionPartsCollector`, last, takes the parts out of the list again and records what each
  was read as in the visitor's message's parse data (`question_parts`: each in parse data's own
  shape, so the actions read a part with the functions they read a message with); Rasa only ever reads
  the first message of the list, and the whole message's own reading is left exactly as it
  was. It also puts back the visitor's own words where an opening was left out of the reading. The actions answer the parts the main answer did not cover (actions/question_parts.py).

A part is text up to a question mark, with any statement before it ("I have rosacea. Can I
have it?" stays one part: the statement is what the question is about), or one side of "...
and how/what/do/is ..." inside a question. Words after the last question mark go with the last
part; a greeting or "I have a few questions" before the first is left out. Nothing is cut unless every part has at least `MIN_PART_WORDS` words; at most
`MAX_PARTS` parts are read, so a long post costs at most that many extra passes.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import RESPONSE_SELECTOR_PROPERTY_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from clinic.intents import FAQ_INTENT
from nlu_components.medical_safety_net import SAFETY_NET_KEY
from nlu_components.message_rules import MessageRule

QUESTION_PARTS_KEY = "question_parts"
PART_OF = "question_part_of"  # set on a part's message: the text of the message it was cut from
VISITOR_TEXT = "visitor_text"  # set on a message read without its follow-up opening: its own words
MIN_PART_WORDS = 2
MAX_PARTS = 3

_AFTER_QUESTION_MARK = re.compile(r"(?<=[?？])\s+")
# "..., and how long is the downtime", "... and do I need a consultation", "... also is it safe"; not
# "and have" or "and am", which mostly join what the visitor tells ("I'm 35 and have acne scars").
_QUESTION_WORDS = (
    r"(?:how|what|what's|whats|when|where|which|who|why|is|are|do|does|did|can|could|will|would|should|shall|may)"
)
_JOINED_QUESTION = re.compile(rf"\s*(?:,\s*)?\b(?:and|also|plus)\s+(?:also\s+)?(?={_QUESTION_WORDS}\b)", re.IGNORECASE)
_WORD = re.compile(r"[\w']+")
# What opens a message without asking anything: "Hi,", "Hello! I have a few questions." The first
# part is read without it ("Hi, I have a few questions. How long is the downtime?" was a greeting).
_PREAMBLE = re.compile(
    r"^\W*(?:(?:hi|hello|hey|hiya|heya|good (?:morning|afternoon|evening))(?: there)?\b[\s,!.]*)?"
    r"(?:(?:i have|i've got|i got|just|quick|a few|some)\s+(?:a |some )?(?:few |couple(?: of)? |quick )?"
    r"(?:questions?|queries|query)\b[\s,!.:-]*)?",
    re.IGNORECASE,
)


# What opens a follow-up typed right after an answer: "and can I wear makeup after?", "ok so how
# much is it?", "oh and is there parking". No training example opens with "and", and the
# classifier read that unseen first word as doubt: "can I wear makeup after?" was the aftercare
# answer, "and can I wear makeup after?" was not understood.
# "so" only before a question word: "so sore after my treatment" keeps it.
_FOLLOW_UP_OPENING = re.compile(
    rf"^\W*(?:(?:oh|ok|okay|right)[\s,.!]+)?(?:(?:and|also|plus)(?:\s+(?:also|and))?|so(?=[\s,]+(?:{_QUESTION_WORDS}|if)\b))"
    r"\b[\s,.!:-]*",
    re.IGNORECASE,
)


def without_follow_up_opening(text: str) -> str:
    """``text`` without the "and"/"also"/"ok so" that opens a follow-up, when at least
    `MIN_PART_WORDS` words are left ("and you?" stays as it is)."""
    rest = _FOLLOW_UP_OPENING.sub("", text, count=1)
    return rest if rest != text and _words(rest) >= MIN_PART_WORDS else text


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _asks(text: str) -> bool:
    return "?" in text or "？" in text


def _cut_joined(question: str) -> List[str]:
    """One question cut at "and how/what/do/is ..." when both sides are long enough to be questions."""
    pieces = [piece.strip() for piece in _JOINED_QUESTION.split(question) if piece and piece.strip()]
    if len(pieces) < 2 or any(_words(piece) < MIN_PART_WORDS for piece in pieces):
        return [question.strip()]
    return pieces


def split_questions(text: Optional[str]) -> List[str]:
    """The questions ``text`` asks, when it asks more than one; otherwise []."""
    if not text or (not _asks(text) and not _JOINED_QUESTION.search(text)):
        return []
    chunks = [chunk.strip() for chunk in _AFTER_QUESTION_MARK.split(text.strip()) if chunk.strip()]
    # Words after the last question mark ("... is it safe? thanks x") belong to the last question.
    if len(chunks) > 1 and not _asks(chunks[-1]):
        chunks[-2:] = [f"{chunks[-2]} {chunks[-1]}"]
    parts = [part for chunk in chunks if _asks(chunk) or len(chunks) == 1 for part in _cut_joined(chunk)]
    if parts:
        parts[0] = _PREAMBLE.sub("", parts[0], count=1) or parts[0]
    parts = [without_follow_up_opening(part) for part in parts]  # "... ? And does it hurt?"
    if len(parts) < 2 or any(_words(part) < MIN_PART_WORDS for part in parts):
        return []
    return parts[:MAX_PARTS]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class QuestionSplitter(MessageRule):
    """First in the pipeline: a message asking several questions is followed by one message per question."""

    def process(self, messages: List[Message]) -> List[Message]:
        out: List[Message] = []
        for message in messages:
            out.append(message)
            if message.get(PART_OF) is not None:
                continue
            text = message.get(TEXT) or ""
            read = without_follow_up_opening(text)
            if read != text:  # the pipeline reads the question; the collector puts the visitor's words back
                message.set(TEXT, read)
                message.set(VISITOR_TEXT, text)
            out.extend(Message(data={TEXT: part, PART_OF: read}) for part in split_questions(read))
        return out


def _reading(part: Message) -> Dict[str, Any]:
    """What a part was read as, shaped as Rasa's parse data (text, intent, the FAQ answer chosen,
    what the safety net changed), so the actions read it as they read a whole message."""
    intent = part.get(INTENT) or {}
    reading: Dict[str, Any] = {
        TEXT: part.get(TEXT),
        INTENT: {
            INTENT_NAME_KEY: intent.get(INTENT_NAME_KEY),
            PREDICTED_CONFIDENCE_KEY: round(float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0), 3),
        },
    }
    selected = ((part.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {}).get(FAQ_INTENT) or {}).get("response")
    if selected:  # the answer chosen, not the selector's whole ranking
        reading[RESPONSE_SELECTOR_PROPERTY_NAME] = {FAQ_INTENT: {"response": selected}}
    if part.get(SAFETY_NET_KEY):
        reading[SAFETY_NET_KEY] = part.get(SAFETY_NET_KEY)
    return reading


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class QuestionPartsCollector(MessageRule):
    """Last in the pipeline: the parts leave the list, their readings stay in their message's parse data."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    def process(self, messages: List[Message]) -> List[Message]:
        out: List[Message] = []
        for message in messages:
            if message.get(PART_OF) is None:
                out.append(message)
                message.set(QUESTION_PARTS_KEY, [], add_to_output=True)
                if message.get(VISITOR_TEXT) is not None:
                    message.set(TEXT, message.get(VISITOR_TEXT))
            elif out:
                out[-1].set(
                    QUESTION_PARTS_KEY, out[-1].get(QUESTION_PARTS_KEY) + [_reading(message)], add_to_output=True
                )
        return out
