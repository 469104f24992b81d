"""`python -m rasa_runtime ...`: the `rasa` command with the project's fixes installed."""

import os
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
    # One TensorFlow thread per pool in each Rasa worker: the workers already share the cores
    # (one per core), and a message's networks are too small to gain from more threads, whereas
    # TensorFlow's default pools (one thread per core in every worker) made the workers contend
    # (`make bench`, README "Benchmarks"). An operator's own setting wins.
    for variable in ("TF_INTRA_OP_PARALLELISM_THREADS", "TF_INTER_OP_PARALLELISM_THREADS", "OMP_NUM_THREADS"):
        os.environ.setdefault(variable, "1")
    from rasa.__main__ import main

    sys.argv[0] = "rasa"
    sys.exit(main())
