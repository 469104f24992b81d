"""Offers and "yes"/"no": the one place that decides what is on the table and what an answer does.

An action that asks the visitor a yes/no question records the offer (``make_offer``: the
``pending_offer`` slot). Outside a form, "yes" and "no" always run ``action_affirm`` and
``action_deny`` (data/rules.yml has no other rule for them), which ask ``open_offer`` what is
still on the table and do what it means:

=================  ===========================================  ==========================
offer              "yes"                                        "no"
=================  ===========================================  ==========================
medical_followup   the hand-off form; a MED ticket for the      that's your choice, and how
                   question that led to the offer               to reach the clinic
human              the hand-off form (a HUM ticket)             no problem
event_register     the registration form for the next event     no problem
event_updates      how to stay posted about events              no problem
(none)             "What would you like to know?"               no problem
=================  ===========================================  ==========================

An offer is answered by the visitor's next message, or after up to ``MAX_MESSAGES_BETWEEN``
other messages (a "yes" after an intervening question still accepts the professional's
follow-up). It lapses after that, when another offer replaces it, when a form starts or ends,
and when a new session starts; "yes" then means just "yes".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.clinic_context import clinic
from actions.topics import main_menu
from actions.wording import contact_facts, say
from clinic.models import TicketKind

OFFER_SLOT = "pending_offer"
MAX_MESSAGES_BETWEEN = 2


class Offer:
    """Values of the ``pending_offer`` slot: the yes/no question the assistant asked."""

    MEDICAL_FOLLOWUP = "medical_followup"
    HUMAN = "human"
    EVENT_REGISTER = "event_register"
    EVENT_UPDATES = "event_updates"
    ALL = frozenset({MEDICAL_FOLLOWUP, HUMAN, EVENT_REGISTER, EVENT_UPDATES})


# The hand-off a "yes" starts, by offer.
HANDOFF_KIND = {Offer.MEDICAL_FOLLOWUP: TicketKind.MEDICAL, Offer.HUMAN: TicketKind.HUMAN}


def make_offer(offer: str) -> List[Dict[Text, Any]]:
    """The events that put ``offer`` on the table (return them from the action that asks)."""
    return [SlotSet(OFFER_SLOT, offer)]


def close_offer() -> List[Dict[Text, Any]]:
    return [SlotSet(OFFER_SLOT, None)]


@dataclass(frozen=True)
class PendingOffer:
    kind: str  # an Offer value
    question: str  # the visitor's message the offer answered (a hand-off's message)


def _carried_into_a_new_session(events: List[Dict[Text, Any]], index: int) -> bool:
    """True when the slot event at ``index`` is Rasa copying the slots into a new session."""
    for event in reversed(events[:index]):
        if event.get("event") == "session_started":
            return True
        if event.get("event") == "action":
            return event.get("name") == "action_session_start"
    return False


def open_offer(tracker: Tracker) -> Optional[PendingOffer]:
    """The offer the visitor's latest message answers, or None (none made, answered, or lapsed)."""
    events = tracker.applied_events()
    index = next(
        (
            i
            for i in range(len(events) - 1, -1, -1)
            if events[i].get("event") == "slot" and events[i].get("name") == OFFER_SLOT
        ),
        None,
    )
    if index is None or events[index].get("value") not in Offer.ALL:
        return None
    if _carried_into_a_new_session(events, index):
        return None
    later = events[index + 1 :]
    if any(event.get("event") in ("session_started", "active_loop") for event in later):
        return None
    messages_since = sum(1 for event in later if event.get("event") == "user")
    if messages_since - 1 > MAX_MESSAGES_BETWEEN:  # the latest one is the answer itself
        return None
    question = next((e.get("text") or "" for e in reversed(events[:index]) if e.get("event") == "user"), "")
    return PendingOffer(events[index]["value"], question)


class ActionAffirm(Action):
    """ "Yes" outside a form: accept the open offer."""

    def name(self) -> Text:
        return "action_affirm"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        # Imported here: the modules that start forms import make_offer from this one.
        from actions.events import stay_posted
        from actions.handoff import start_handoff
        from actions.registration import start_registration

        # A form started here runs next (RulePolicy runs an active form), as if a rule started it.
        offer = open_offer(tracker)
        kind = offer.kind if offer else None
        if kind in HANDOFF_KIND:
            events = start_handoff(dispatcher, tracker, HANDOFF_KIND[kind], offer.question)
            return [ActiveLoop("handoff_form")] + close_offer() + events
        if kind == Offer.EVENT_REGISTER:
            events, started = start_registration(dispatcher, tracker, wanted=None)
            return ([ActiveLoop("registration_form")] if started else []) + close_offer() + events
        if kind == Offer.EVENT_UPDATES:
            stay_posted(dispatcher)
        else:
            say(dispatcher, "utter_yes_without_offer", buttons=main_menu())
        return close_offer()


class ActionDeny(Action):
    """ "No" (or "stop") outside a form: decline the open offer."""

    def name(self) -> Text:
        return "action_deny"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        offer = open_offer(tracker)
        if offer and offer.kind == Offer.MEDICAL_FOLLOWUP:
            say(dispatcher, "utter_no_to_followup", buttons=main_menu(), **contact_facts(clinic()))
        else:
            say(dispatcher, "utter_no", buttons=main_menu())
        return close_offer()
