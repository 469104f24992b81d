"""`python -m rasa_runtime ...`: the `rasa` command with the project's fixes installed."""

import sys

from clinic.env import SettingError
from rasa_runtime.patches import install

if __name__ == "__main__":
    try:
        install()
    except SettingError as error:
        sys.exit(f"Invalid setting: {error}")
    from rasa.__main__ import main

    sys.argv[0] = "rasa"
    sys.exit(main())
