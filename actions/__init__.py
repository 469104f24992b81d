"""Custom actions of the clinic assistant (served by `rasa run actions --actions actions`).

The clinic file and the settings (environment variables, actions/settings.py) are validated
when the action server starts: an invalid file or value stops it with a message naming each
bad field or the variable, instead of failing later in a visitor's conversation.

The action server also runs the staff-notification worker (clinic.notify_worker) for as long
as it serves, unless NOTIFY_WORKER_IN_PROCESS=false (when `python -m clinic.notify_worker`
runs as a process of its own).
"""

import logging

from actions.settings import setting_errors
from clinic.config import ClinicConfigError, config_path, load_config
from clinic.notify_worker import attach_to_sanic

_bad_settings = setting_errors()
if _bad_settings:  # pragma: no cover - exercised by tests/test_config.py via a subprocess
    _report = "\n".join(f"Invalid setting: {error}" for error in _bad_settings)
    logging.getLogger(__name__).critical("%s", _report)
    raise SystemExit(_report)

try:
    load_config()
except ClinicConfigError as error:  # pragma: no cover - exercised by tests/test_config.py via a subprocess
    logging.getLogger(__name__).critical("Invalid clinic configuration:\n%s", error)
    raise SystemExit(f"Invalid clinic configuration ({config_path()}):\n{error}") from None


def _run_notification_worker_in_action_server() -> None:
    """`rasa run actions` creates its Sanic app ("rasa_sdk") before importing this package."""
    from sanic import Sanic
    from sanic.exceptions import SanicException

    try:
        app = Sanic.get_app("rasa_sdk")
    except SanicException:
        return  # imported outside the action server (tests, tools)
    attach_to_sanic(app)


_run_notification_worker_in_action_server()
