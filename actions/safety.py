"""The urgent safety message: the one builder of the most important text the assistant sends.

Its wording is one response in domain.yml (``utter_urgent_safety``), filled with the clinic's
emergency number and urgent line. Everything that tells a visitor what to do if it may be
urgent sends it through ``send_urgent_safety``: the red-flag path, a medical question that
mentions a warning sign, a message not understood whose likeliest meaning is urgent, an urgent
alert that could not be saved, and the confirmation of a medical or urgent ticket. When the
visitor wrote in another language, its essentials follow in that language (actions/languages.py).
"""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.clinic_context import clinic
from actions.languages import urgent_in, visitor_language
from actions.wording import safety_facts, say

URGENT_SAFETY_RESPONSE = "utter_urgent_safety"


def send_urgent_safety(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    config = clinic()
    say(dispatcher, URGENT_SAFETY_RESPONSE, **safety_facts(config))
    translated = urgent_in(config, visitor_language(tracker))
    if translated:  # written in another language: the same essentials in that language, next
        dispatcher.utter_message(text=translated)
