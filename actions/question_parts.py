"""The other questions of a message that asks several at once.

The NLU reads each question of such a message on its own as well as the whole
(nlu_components/question_parts.py, parse data `question_parts`). The action that answers the
message's main reading calls `answer_other_questions` with what it answered; the other parts
then get, in this order:

* an FAQ question the ResponseSelector is sure of, a question about the clinic no FAQ answer
  covers (actions/clinic_questions.py), or the clinic's prices, hours, address or contact details
  (actions/clinic_answers.py): its answer, after a short lead-in, without buttons of its own;
* a question about the visitor's own health: that a professional should answer it, with the
  button that asks one;
* events or booking: a button each, since those answers carry offers and forms of their own.

When the action asks something of its own next (`then`), no topic is offered as a button, as
one would lead away from that question: before an offer ("Would you like to register?", after an
event's details) the other parts are answered and a personal one gets its pointer; before a
form's first question (a booking: "what time do you close today, and can I book for
tomorrow?") a personal health question is passed on with the request instead, which carries the
whole message.

After a medical reading of the whole message, only the clinic's facts (hours, address, contact,
prices, a clinic note) are answered, between the medical reply and its offer of a professional
("I'm on roaccutane, can I have it? And what are your hours?"): every other part may depend on
the visitor's situation, which the professional will hear about.

A part read as the topic already answered (or the event's price after its details), as a greeting or thanks, or not understood, gets
nothing more: the main answer stands alone, as it did before messages were cut into parts.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.clinic_answers import CLINIC_ANSWERS, asks_what_an_event_costs
from actions.clinic_questions import answer_clinic_question, clinic_question_in
from actions.topics import FAQ_LABELS, INTENT_LABELS, topic_buttons
from actions.understanding import faq_choice
from actions.wording import say
from clinic.intents import FAQ_INTENT, MEDICAL_INTENTS

MEDICAL = "medical_question"
OFFERED_AS_BUTTONS = frozenset({"event_info", "book_consultation"})


def part_topic(reading: Dict[str, Any]) -> Optional[str]:
    """What one part (its parse data) asks about, as a topic (an intent, faq/<key> or clinic/<note field>), or None
    when there is nothing to answer. A question about the clinic itself is that, whatever the NLU
    made of it short of a medical reading (as for a whole message: actions/clinic_questions.py)."""
    intent = (reading.get("intent") or {}).get("name")
    if intent in MEDICAL_INTENTS:
        return MEDICAL
    question = clinic_question_in(reading.get("text"))
    if question is not None:
        return question.topic
    if intent == FAQ_INTENT:
        choice = faq_choice(reading)
        return f"{FAQ_INTENT}/{choice.key}" if choice.confident else None
    return intent if intent in OFFERED_AS_BUTTONS or intent in CLINIC_ANSWERS else None


def already_answered(topic: str, part: str, answered: Optional[str]) -> bool:
    """Whether the main answer covers this part too: its own topic, or the price of the event
    whose details (with its price) were just given ("tell me about the acne evening, is it free?")."""
    if topic == answered:
        return True
    return answered == "event_info" and topic == "ask_price" and asks_what_an_event_costs(part)


def other_questions(parse_data: Dict[str, Any], answered: Optional[str]) -> Dict[str, str]:
    """{topic: the part that asks it} for the message's other parts, in order, less what the main
    answer covered; a topic asked twice keeps its first part. After a medical reading, only the
    parts about the clinic's own facts (`is_clinic_fact`): any other part may lean on the visitor's
    situation ("I'm on roaccutane. Can I have it?"), which a general answer would ignore."""
    medical = (parse_data.get("intent") or {}).get("name") in MEDICAL_INTENTS
    topics: Dict[str, str] = {}
    for reading in parse_data.get("question_parts") or []:
        topic = part_topic(reading)
        part = reading.get("text") or ""
        if not topic or already_answered(topic, part, answered):
            continue
        if medical and not is_clinic_fact(topic):
            continue
        topics.setdefault(topic, part)
    return topics


def is_clinic_fact(topic: str) -> bool:
    """A topic answered from the clinic file alone (hours, address, contact, prices, a clinic
    note): the same for every visitor, whatever their situation."""
    return topic in CLINIC_ANSWERS or topic.startswith("clinic/")


NOTHING_FOLLOWS = "nothing"
AN_OFFER_FOLLOWS = "offer"
A_FORM_FOLLOWS = "form"


def answer_other_questions(
    dispatcher: CollectingDispatcher,
    parse_data: Dict[str, Any],
    answered: Optional[str],
    then: str = NOTHING_FOLLOWS,
) -> None:
    """After the main answer (``answered``: its topic), answer or offer the message's other
    questions; ``then`` says what the action asks next (an offer or a form: nothing is offered)."""
    topics = other_questions(parse_data, answered)
    for topic, part in topics.items():
        if topic.startswith(f"{FAQ_INTENT}/"):
            key = topic.split("/", 1)[1]
            say(dispatcher, "utter_other_question", topic=FAQ_LABELS[key])
            dispatcher.utter_message(response=f"utter_faq/{key}")
        elif topic.startswith("clinic/"):
            say(dispatcher, "utter_other_question", topic=part)
            answer_clinic_question(dispatcher, part, buttons=False)
        elif topic in CLINIC_ANSWERS:
            say(dispatcher, "utter_other_question", topic=INTENT_LABELS[topic])
            CLINIC_ANSWERS[topic](dispatcher, part, buttons=False)
    if MEDICAL in topics:
        if then == A_FORM_FOLLOWS:
            say(dispatcher, "utter_other_question_personal_passed_on")
        else:
            say(dispatcher, "utter_other_question_personal", buttons=topic_buttons([MEDICAL]))
    offered = [topic for topic in topics if topic in OFFERED_AS_BUTTONS and topic in INTENT_LABELS]
    if offered and then == NOTHING_FOLLOWS:
        say(dispatcher, "utter_other_questions_offered", buttons=topic_buttons(offered))


class AnswersEveryQuestion(Action, ABC):
    """An action answering a message's main reading, and then the message's other questions."""

    @abstractmethod
    def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Tuple[Optional[str], List[Dict[Text, Any]]]:
        """Answer the main reading: the topic answered (None when the visitor was asked to rephrase
        instead, and nothing more should follow), and the events."""

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        answered, events = self.answer(dispatcher, tracker, domain)
        if answered is not None:
            answer_other_questions(dispatcher, tracker.latest_message, answered)
        return events
