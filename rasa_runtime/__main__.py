"""`python -m rasa_runtime ...`: the `rasa` command with the project's fixes installed."""

import sys

from clinic.env import SettingError
from rasa_runtime.patches import install
from rasa_runtime.resilience import check_settings

if __name__ == "__main__":
    try:
        check_settings()  # before Rasa is imported: a bad value is refused in a moment
        install()
    except SettingError as error:
        sys.exit(f"Invalid setting: {error}")
    from rasa.__main__ import main

    sys.argv[0] = "rasa"
    sys.exit(main())
