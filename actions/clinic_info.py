"""Answers built from the clinic's configuration: hours, location, contact, prices."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.clinic_context import clinic, money
from actions.clinic_questions import answer_clinic_question
from actions.events import answer_event_cost
from actions.question_parts import AnswersEveryQuestion
from actions.topics import Button, topic_buttons
from actions.wording import contact_facts, say
from clinic.config import ClinicConfig
from clinic.hours import closing_time, describe_moment, next_opening, now_in_clinic, weekly_hours_lines

# A price question about how to pay rather than how much ("do you take insurance?", "can I use
# my HSA?", "can I pay in instalments?"), and a location question about getting in ("are you
# wheelchair accessible?"): both are answered first, before the general answer (PRODUCT.md).
ASKS_ABOUT_PAYING = re.compile(
    r"\b(?:insurance|insurer|insured|medical aid|bupa|axa|vitality|hsa|fsa|health savings|flexible spending"
    r"|instal?l?ments?|payment plans?|pay(?:ing)? monthly|monthly payments?|financ\w*|klarna|clearpay|afterpay"
    r"|spread (?:the|out the) (?:cost|payments?)|deposit|credit cards?|debit cards?|card payments?|cash"
    r"|(?:pay|paid|payment) (?:at|on the day|upfront|up front|in advance|after)|when do i pay|how do i pay)\b",
    re.IGNORECASE,
)
ASKS_ABOUT_ACCESS = re.compile(
    r"\b(?:wheel ?chairs?|accessib\w*|disab\w*|step[- ]free|steps|stairs|lifts?|elevators?|ramps?|mobility"
    r"|walkers?|walking (?:aid|frame|stick)s?|crutches|blue badge|prams?|buggy|buggies|strollers?)\b",
    re.IGNORECASE,
)


def send_opening_status(dispatcher: CollectingDispatcher, config: ClinicConfig, buttons: List[Button]) -> None:
    """Whether the clinic is open now, and until when or when it opens again."""
    closes = closing_time(config)
    if closes:
        say(dispatcher, "utter_open_now", buttons=buttons, closes=closes.strftime("%H:%M"))
        return
    opening: Optional[Any] = next_opening(config)
    if opening is None:
        say(dispatcher, "utter_closed", buttons=buttons)
    else:
        say(dispatcher, "utter_closed_until", buttons=buttons, reopens=describe_moment(opening, now_in_clinic(config)))


class ActionClinicHours(AnswersEveryQuestion):
    def name(self) -> Text:
        return "action_clinic_hours"

    def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Tuple[Optional[str], List[Dict]]:
        config = clinic()
        say(
            dispatcher,
            "utter_opening_hours",
            timezone=config.clinic.timezone,
            opening_hours="\n".join(weekly_hours_lines(config)),
        )
        send_opening_status(dispatcher, config, topic_buttons(["book_consultation", "ask_location"]))
        return "ask_hours", []


class ActionClinicLocation(AnswersEveryQuestion):
    def name(self) -> Text:
        return "action_clinic_location"

    def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Tuple[Optional[str], List[Dict]]:
        config = clinic()
        details = config.clinic
        if ASKS_ABOUT_ACCESS.search(tracker.latest_message.get("text") or ""):
            if details.accessibility:
                say(dispatcher, "utter_accessibility", accessibility=details.accessibility)
            else:
                say(dispatcher, "utter_accessibility_ask", **contact_facts(config))
        buttons = topic_buttons(["ask_hours"])
        where = {"clinic_name": details.name, "address": details.address}
        last = not details.map_link
        if details.directions:
            say(
                dispatcher,
                "utter_location_with_directions",
                buttons=buttons if last else [],
                directions=details.directions,
                **where,
            )
        else:
            say(dispatcher, "utter_location", buttons=buttons if last else [], **where)
        if details.map_link:
            say(dispatcher, "utter_map_link", buttons=buttons, map_link=details.map_link)
        return "ask_location", []


class ActionClinicContact(AnswersEveryQuestion):
    def name(self) -> Text:
        return "action_clinic_contact"

    def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Tuple[Optional[str], List[Dict]]:
        config = clinic()
        social = [f"{network.title()}: {handle}" for network, handle in config.clinic.social.items() if handle]
        if social:
            say(dispatcher, "utter_contact_with_social", social_lines="\n".join(social), **contact_facts(config))
        else:
            say(dispatcher, "utter_contact", **contact_facts(config))
        send_opening_status(dispatcher, config, topic_buttons(["human_handoff", "ask_hours"]))
        return "ask_contact", []


class ActionPriceInfo(AnswersEveryQuestion):
    def name(self) -> Text:
        return "action_price_info"

    def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Tuple[Optional[str], List[Dict]]:
        config = clinic()
        # "is there a cancellation fee?", "how much is a gift voucher?": the clinic's note answers.
        clinic_topic = answer_clinic_question(dispatcher, tracker.latest_message.get("text"))
        if clinic_topic:
            return clinic_topic, []
        about_the_event = answer_event_cost(dispatcher, tracker)
        if about_the_event is not None:
            return "event_info", about_the_event
        buttons = topic_buttons(["book_consultation"])
        if ASKS_ABOUT_PAYING.search(tracker.latest_message.get("text") or ""):
            payment = {"payment_note": config.payment_note} if config.payment_note else {}
            response = "utter_payment_note" if payment else "utter_payment_ask"
            say(
                dispatcher,
                response,
                buttons=topic_buttons(["ask_price", "book_consultation"]),
                **payment,
                **contact_facts(config),
            )
            return "ask_price", []
        note = {"consultation_note": config.consultation_note} if config.consultation_note else {}
        if config.prices:
            lines = [
                f"• {item.treatment}: {money(item.price, item.currency)}" + (f" ({item.note})" if item.note else "")
                for item in config.prices
            ]
            response = "utter_price_list_with_note" if note else "utter_price_list"
            say(dispatcher, response, buttons=buttons, price_lines="\n".join(lines), **note)
        else:
            response = "utter_no_price_list_with_note" if note else "utter_no_price_list"
            say(dispatcher, response, buttons=buttons, **contact_facts(config), **note)
        return "ask_price", []
