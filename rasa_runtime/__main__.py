"""`python -m rasa_runtime ...`: the `rasa` command with the project's fixes installed."""

import sys

from rasa_runtime.patches import install

if __name__ == "__main__":
    install()
    from rasa.__main__ import main

    sys.argv[0] = "rasa"
    sys.exit(main())
