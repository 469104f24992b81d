"""What the connectors themselves say to a visitor, without the assistant: the text-only
notice, the apology when a message could not reach the assistant, and the invitation to a
private chat when someone addresses the bot in a Telegram group.

The apology and the invitation carry the clinic's urgent line and emergency number from the
clinic file (re-read when it changes), because the visitor's message was not read: it may be
urgent. If the clinic file cannot be read, they fall back to sentences without numbers.
"""

from __future__ import annotations

import logging
import threading
from typing import Optional

from clinic.config import ClinicConfig, ClinicConfigError, ConfigProvider

logger = logging.getLogger(__name__)

UNSUPPORTED_REPLY = (
    "Sorry, I can only read text messages here. Please type your question, for example "
    '"What is micro-needling?" or "What are your opening hours?"'
)
EXPIRED_BUTTON_REPLY = "Sorry, that button has expired. Please type your question instead."

_provider: Optional[ConfigProvider] = None
_provider_lock = threading.Lock()


def _clinic() -> Optional[ClinicConfig]:
    global _provider
    try:
        with _provider_lock:
            if _provider is None:
                _provider = ConfigProvider()
        return _provider.get()
    except (ClinicConfigError, OSError) as error:
        logger.error("channels: the clinic file could not be read for a notice: %s", error)
        return None


def _urgent_sentence(config: Optional[ClinicConfig]) -> str:
    if config is None:
        return "If it's urgent, please call the clinic, or your local emergency number in an emergency."
    details = config.clinic
    return (
        f"If it's urgent, call the clinic's urgent line on {details.urgent_line}, "
        f"or {details.emergency_number} in an emergency."
    )


def apology() -> str:
    """For a message that could not be handed to the assistant (a store failed)."""
    return (
        "Sorry, something went wrong on our side and I couldn't read your message just now. "
        "If you don't get an answer in a few minutes, please send it again. " + _urgent_sentence(_clinic())
    )


def group_invitation(first_name: str, private_chat_link: Optional[str]) -> str:
    """For someone who addressed the bot in a group: an invitation to a private chat, no answer."""
    config = _clinic()
    who = f"{config.clinic.name}'s virtual assistant" if config else "the clinic's virtual assistant"
    greeting = f"Hi {first_name}! " if first_name else "Hi! "
    where = (
        f"Please message me in a private chat: {private_chat_link}"
        if private_chat_link
        else "Please send me a private message (tap my name, then Message)."
    )
    return (
        f"{greeting}I'm {who}. To keep your questions private, I only answer them in a private chat, "
        f"never in a group. {where} {_urgent_sentence(config)}"
    )


def reset_for_tests() -> None:
    global _provider
    _provider = None
