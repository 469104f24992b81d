"""Custom actions of the clinic assistant (served by `rasa run actions --actions actions`).

The clinic file is validated when the action server starts: an invalid file stops it with
a message naming each bad field, instead of failing later in a visitor's conversation.
"""
import logging

from clinic.config import ClinicConfigError, config_path, load_config

try:
    load_config()
except ClinicConfigError as error:  # pragma: no cover - exercised by tests/test_config.py via a subprocess
    logging.getLogger(__name__).critical("Invalid clinic configuration:\n%s", error)
    raise SystemExit(f"Invalid clinic configuration ({config_path()}):\n{error}")
