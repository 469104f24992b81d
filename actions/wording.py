"""How the actions say things: every fixed sentence is a response in domain.yml (one file the
clinic can review), and the actions only fill in the clinic's facts and the conversation's
details as the responses' variables.

Rasa fills the variables when it sends the response (its response templates; the action server
gets no domain). This module is also the one map from the clinic package's error codes
(clinic/errors.py) to the responses that word them for a visitor.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from rasa_sdk.executor import CollectingDispatcher

from clinic.config import ClinicConfig
from clinic.errors import EventClosed, InvalidInput, RegistrationError, UnknownEvent


def say(
    dispatcher: CollectingDispatcher,
    response: str,
    buttons: Optional[List[Dict[str, str]]] = None,
    **variables: Any,
) -> None:
    """Send ``response`` from domain.yml with its {variables} filled in (as text)."""
    dispatcher.utter_message(
        response=response, buttons=buttons or [], **{name: str(value) for name, value in variables.items()}
    )


def contact_facts(config: ClinicConfig) -> Dict[str, str]:
    """The variables most responses use: how to reach the clinic."""
    return {"clinic_name": config.clinic.name, "phone": config.clinic.phone, "email": config.clinic.email}


def safety_facts(config: ClinicConfig) -> Dict[str, str]:
    return {"emergency_number": config.clinic.emergency_number, "urgent_line": config.clinic.urgent_line}


# --- the clinic package's error codes ------------------------------------------------------

# (field, reason) of InvalidInput -> response. clinic/validation.py and clinic/registrations.py
# raise these for what a visitor typed (tests/test_wording.py checks that each one is here).
INVALID_INPUT_RESPONSES: Dict[Tuple[str, str], str] = {
    ("name", "empty"): "utter_invalid_name_empty",
    ("name", "too_long"): "utter_invalid_name_too_long",
    ("name", "not_a_name"): "utter_invalid_name_not_a_name",
    ("name", "phone_number"): "utter_invalid_name_phone_number",
    ("name", "digits"): "utter_invalid_name_no_letters",
    ("name", "no_letters"): "utter_invalid_name_no_letters",
    ("name", "too_many_emoji"): "utter_invalid_name_too_many_emoji",
    ("name", "question"): "utter_invalid_name_question",
    ("name", "no_name"): "utter_invalid_name_no_name",
    ("email", "empty"): "utter_invalid_email_empty",
    ("email", "invalid"): "utter_invalid_email_invalid",
    ("phone", "empty"): "utter_invalid_phone_empty",
    ("phone", "invalid"): "utter_invalid_phone_invalid",
    ("contact", "empty"): "utter_invalid_contact_empty",
    ("guests", "not_a_number"): "utter_invalid_guests_not_a_number",
    ("guests", "too_many"): "utter_invalid_guests_too_many",
}
INVALID_INPUT_FALLBACK = "utter_invalid_input"

REGISTRATION_ERROR_RESPONSES: Dict[type, str] = {
    UnknownEvent: "utter_registration_unknown_event",
    EventClosed: "utter_registration_event_closed",
}


def invalid_input_reply(error: InvalidInput) -> Tuple[str, Dict[str, Any]]:
    """The response that re-asks for a refused value, and its variables."""
    if (error.field, error.reason) == ("guests", "too_many") and not error.params.get("max_guests"):
        return "utter_invalid_guests_not_allowed", {}
    return INVALID_INPUT_RESPONSES.get((error.field, error.reason), INVALID_INPUT_FALLBACK), dict(error.params)


def re_ask(dispatcher: CollectingDispatcher, error: InvalidInput) -> None:
    response, variables = invalid_input_reply(error)
    say(dispatcher, response, **variables)


def registration_error_reply(error: RegistrationError, config: ClinicConfig) -> Tuple[str, Dict[str, Any]]:
    """Why a registration was refused, with how to reach the clinic."""
    response = REGISTRATION_ERROR_RESPONSES.get(type(error), "utter_registration_unknown_event")
    return response, {**contact_facts(config), "event_title": error.event_title}


def apologise_for_failure(dispatcher: CollectingDispatcher, config: ClinicConfig) -> None:
    """Saving something failed (nothing was half-written): say so, and how to reach the clinic."""
    say(dispatcher, "utter_save_failed", **contact_facts(config))


def spoken_list(items: List[str]) -> str:
    """ "a", "a and b", "a, b and c" """
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
