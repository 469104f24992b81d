"""Low confidence: ask to rephrase with the two likeliest topics; a second miss offers a person.

Either way a "yes" next means the visitor wants help from a person (actions/offers.py). Two
kinds of message the NLU is unsure of are not misses: a bare acknowledgement ("cool", "got it"),
which is acknowledged, a filler ("hmm", "?"), which gets the main topics, a follow-up naming a
subject of the FAQ answer just given ("what about swimming?", actions/follow_ups.py), and a
question about the clinic no topic covers (age, who treats, gift vouchers), which the clinic's
note answers (actions/clinic_questions.py).
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.clinic_context import clinic
from actions.clinic_questions import answer_clinic_question
from actions.events import answer_event_cost
from actions.follow_ups import answer_from_last_answer
from actions.offers import Offer, close_offer, make_offer
from actions.safety import send_urgent_safety
from actions.topics import main_menu, person_or_rephrase, topic_button, topic_buttons
from actions.understanding import acknowledges_only, candidate_topics, medical_among, miss_streak, says_nothing
from actions.wording import contact_facts, say


def clarify(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict]:
    """Reply to a message the assistant did not understand well enough."""
    parse_data = tracker.latest_message
    if acknowledges_only(parse_data):  # "cool", "got it": nothing was asked
        say(dispatcher, "utter_yes_without_offer", buttons=main_menu())
        return close_offer()
    if answer_filler(dispatcher, parse_data):
        return []
    medical = medical_among(parse_data)
    # "what about swimming?" right after the aftercare answer: what that answer says of swimming.
    if not medical and answer_from_last_answer(dispatcher, tracker):
        return []
    # "is it free?" just after the events were shown: what they cost.
    if not medical:
        about_the_event = answer_event_cost(dispatcher, tracker)
        if about_the_event is not None:
            return about_the_event
    # About the clinic itself, which no topic covers: its own note answers.
    if not medical and answer_clinic_question(dispatcher, parse_data.get("text")):
        return []
    if medical == "urgent_medical":
        send_urgent_safety(dispatcher, tracker)  # it might be urgent: safety before anything else
    if miss_streak(tracker.applied_events()) >= 2:
        say(dispatcher, "utter_offer_person", buttons=person_or_rephrase(), **contact_facts(clinic()))
        return make_offer(Offer.HUMAN)
    buttons = topic_buttons(candidate_topics(parse_data))
    if medical and not any(button["payload"] == f"/{medical}" for button in buttons):
        buttons.append(topic_button("medical_question"))
    say(dispatcher, "utter_clarify", buttons=buttons or main_menu())
    return make_offer(Offer.HUMAN)


def answer_filler(dispatcher: CollectingDispatcher, parse_data: Dict[str, Any]) -> bool:
    """ "hmm", "?": the main topics, nothing else (an offer still open stays open). True when it answered."""
    if not says_nothing(parse_data):
        return False
    say(dispatcher, "utter_filler", buttons=main_menu())
    return True


class ActionClarify(Action):
    def name(self) -> Text:
        return "action_clarify"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        return clarify(dispatcher, tracker)
