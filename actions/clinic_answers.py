"""The clinic's hours, address, contact details and prices, told from its configuration.

One home for these answers, whether a message asks only that (the actions of
actions/clinic_info.py, with buttons for the next step) or asks it beside something else
(actions/question_parts.py, told without buttons so the main answer's offers stand, and so a
form that starts next is not interrupted by buttons that lead elsewhere).
"""

from __future__ import annotations

import re
from typing import Any, Callable, Dict, List, Optional

from rasa_sdk.executor import CollectingDispatcher

from actions.clinic_context import clinic, money
from actions.topics import Button, topic_buttons
from actions.wording import contact_facts, say
from clinic.config import ClinicConfig
from clinic.hours import closing_time, describe_moment, next_opening, now_in_clinic, weekly_hours_lines
from clinic.payment_questions import ASKS_ABOUT_PAYING

# A price question about how to pay rather than how much ("do you take insurance?", "can I use
# my HSA?", "can I pay in instalments?": clinic/payment_questions.py), and a location question
# about getting in ("are you wheelchair accessible?"): both are answered first, before the
# general answer (PRODUCT.md).
ASKS_ABOUT_ACCESS = re.compile(
    r"\b(?:wheel ?chairs?|accessib\w*|disab\w*|step[- ]free|steps|stairs|lifts?|elevators?|ramps?|mobility"
    r"|walkers?|walking (?:aid|frame|stick)s?|crutches|blue badge|prams?|buggy|buggies|strollers?)\b",
    re.IGNORECASE,
)


# What an event costs ("is it free?", "how much is it?"), asked while an event is the subject: the
# event's price, not the clinic's price list. Not a question naming a treatment or the
# consultation ("is the consultation free?"), which is about those.
_ASKS_WHAT_IT_COSTS = re.compile(
    r"\b(?:free|cost\w*|prices?|priced|how much|pay|paid|charge\w*|fees?|entry|tickets?)\b", re.I
)
_NAMES_A_TREATMENT = re.compile(
    r"\b(?:consult\w*|treatments?|sessions?|courses?|micro-?needling|needling|ecit|peels?)\b", re.I
)


def asks_what_an_event_costs(text: str) -> bool:
    """A price question that, asked about an event, means that event's price."""
    return bool(_ASKS_WHAT_IT_COSTS.search(text or "")) and not _NAMES_A_TREATMENT.search(text or "")


def _offer(topics: List[str], buttons: bool) -> List[Button]:
    return topic_buttons(topics) if buttons else []


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


def tell_hours(dispatcher: CollectingDispatcher, text: str, buttons: bool = True) -> None:
    """The week's opening hours, and whether the clinic is open now."""
    config = clinic()
    say(
        dispatcher,
        "utter_opening_hours",
        timezone=config.clinic.timezone,
        opening_hours="\n".join(weekly_hours_lines(config)),
    )
    send_opening_status(dispatcher, config, _offer(["book_consultation", "ask_location"], buttons))


def tell_location(dispatcher: CollectingDispatcher, text: str, buttons: bool = True) -> None:
    """The address (with directions and a map link where the clinic gives them), and first how to
    get in when the visitor asks about access."""
    config = clinic()
    details = config.clinic
    if ASKS_ABOUT_ACCESS.search(text or ""):
        if details.accessibility:
            say(dispatcher, "utter_accessibility", accessibility=details.accessibility)
        else:
            say(dispatcher, "utter_accessibility_ask", **contact_facts(config))
    offer = _offer(["ask_hours"], buttons)
    where = {"clinic_name": details.name, "address": details.address}
    last = not details.map_link
    if details.directions:
        say(
            dispatcher,
            "utter_location_with_directions",
            buttons=offer if last else [],
            directions=details.directions,
            **where,
        )
    else:
        say(dispatcher, "utter_location", buttons=offer if last else [], **where)
    if details.map_link:
        say(dispatcher, "utter_map_link", buttons=offer, map_link=details.map_link)


def tell_contact(dispatcher: CollectingDispatcher, text: str, buttons: bool = True) -> None:
    """Phone, e-mail and social accounts, and whether someone is there now."""
    config = clinic()
    social = [f"{network.title()}: {handle}" for network, handle in config.clinic.social.items() if handle]
    if social:
        say(dispatcher, "utter_contact_with_social", social_lines="\n".join(social), **contact_facts(config))
    else:
        say(dispatcher, "utter_contact", **contact_facts(config))
    send_opening_status(dispatcher, config, _offer(["human_handoff", "ask_hours"], buttons))


def tell_prices(dispatcher: CollectingDispatcher, text: str, buttons: bool = True) -> None:
    """How to pay, for a question about paying; otherwise the price list (or where to ask for one)."""
    config = clinic()
    if ASKS_ABOUT_PAYING.search(text or ""):
        payment = {"payment_note": config.payment_note} if config.payment_note else {}
        response = "utter_payment_note" if payment else "utter_payment_ask"
        say(
            dispatcher,
            response,
            buttons=_offer(["ask_price", "book_consultation"], buttons),
            **payment,
            **contact_facts(config),
        )
        return
    offer = _offer(["book_consultation"], buttons)
    note = {"consultation_note": config.consultation_note} if config.consultation_note else {}
    if config.prices:
        lines = [
            f"• {item.treatment}: {money(item.price, item.currency)}" + (f" ({item.note})" if item.note else "")
            for item in config.prices
        ]
        response = "utter_price_list_with_note" if note else "utter_price_list"
        say(dispatcher, response, buttons=offer, price_lines="\n".join(lines), **note)
    else:
        response = "utter_no_price_list_with_note" if note else "utter_no_price_list"
        say(dispatcher, response, buttons=offer, **contact_facts(config), **note)


# {intent: how its answer is told}: what a part of a message asking several things gets told.
CLINIC_ANSWERS: Dict[str, Callable[..., None]] = {
    "ask_hours": tell_hours,
    "ask_location": tell_location,
    "ask_contact": tell_contact,
    "ask_price": tell_prices,
}
