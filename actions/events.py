"""The clinic's events from the clinic file: details of what is coming up (registration: actions/registration.py)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.clinic_answers import asks_what_an_event_costs
from actions.clinic_context import clinic, money
from actions.offers import Offer, make_offer, open_offer
from actions.question_parts import AN_OFFER_FOLLOWS, answer_other_questions
from actions.topics import register_buttons, yes_no
from actions.wording import say
from clinic.config import ClinicConfig, Event

MAX_EVENTS_SHOWN = 3


def send_event_card(dispatcher: CollectingDispatcher, config: ClinicConfig, event: Event) -> None:
    """An event's details (domain.yml's utter_event_card...), filled from the clinic file."""
    when = event.starts_at(config.tz)
    response = "utter_event_card" + ("_with_guests" if event.allow_guests else "")
    response += "_described" if event.description else ""
    say(
        dispatcher,
        response,
        title=event.title,
        date=f"{when.strftime('%A')} {when.day} {when.strftime('%B %Y')}",
        start_time=event.start_time,
        end_time=event.end_time,
        place=event.place,
        price=event_price(event),
        capacity=event.capacity,
        max_guests=event.max_guests,
        description=event.description or "",
    )


def event_price(event: Event) -> str:
    """As the event card says it: "free", or the amount."""
    return "free" if event.is_free else money(event.price, event.currency)


def answer_event_cost(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[List[Dict]]:
    """What the events just shown cost, when the visitor asks while their registration is on offer,
    and the offer again; None when the message is not that question."""
    text = tracker.latest_message.get("text") or ""
    offer = open_offer(tracker)
    if offer is None or offer.kind != Offer.EVENT_REGISTER:
        return None
    if not asks_what_an_event_costs(text):
        return None
    events = clinic().upcoming_events()[:MAX_EVENTS_SHOWN]
    if not events:
        return None
    for event in events:
        say(dispatcher, "utter_event_price", title=event.title, price=event_price(event))
    say(dispatcher, "utter_ask_to_register", buttons=register_buttons(events))
    return make_offer(Offer.EVENT_REGISTER)


def no_upcoming_events(dispatcher: CollectingDispatcher) -> List[Dict]:
    say(dispatcher, "utter_no_upcoming_events", buttons=yes_no())
    return make_offer(Offer.EVENT_UPDATES)


def stay_posted(dispatcher: CollectingDispatcher) -> None:
    """How to hear about the next events: the clinic's social channels and e-mail."""
    details = clinic().clinic
    channels = [f"{network.title()} {handle}" for network, handle in details.social.items() if handle]
    if channels:
        say(dispatcher, "utter_event_updates", social_channels=", ".join(channels), email=details.email)
    else:
        say(dispatcher, "utter_event_updates_by_email", email=details.email)


class ActionEventInfo(Action):
    def name(self) -> Text:
        return "action_event_info"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        config = clinic()
        events = config.upcoming_events()
        if not events:
            return no_upcoming_events(dispatcher)
        shown = events[:MAX_EVENTS_SHOWN]
        say(dispatcher, "utter_coming_up" if len(shown) > 1 else "utter_next_event")
        for event in shown:
            send_event_card(dispatcher, config, event)
        # "When's the next event? And does microneedling hurt?": answered before the offer to register.
        answer_other_questions(dispatcher, tracker.latest_message, "event_info", then=AN_OFFER_FOLLOWS)
        say(dispatcher, "utter_ask_to_register", buttons=register_buttons(shown))
        return make_offer(Offer.EVENT_REGISTER)
