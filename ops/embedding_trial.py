"""The embedding trial (issue #12 item 3): the project's pipeline plus WordLlama's pretrained
token embeddings, trained on the same data, beside the project's own model on every evaluation set.

    python -m ops.embedding_trial [--reuse]      (make embedding-trial; trains once, not in make test)

config_trials/wordllama.yml is config.yml with nlu_components.wordllama_featurizer added before
the classifiers and nothing else changed (a test checks it), so any difference is the
featurizer's. It is trained on data/ and domain.yml into var/trial/wordllama.tar.gz; the
project's model is models/clinic.tar.gz, trained first if its inputs changed (ops.train).
Both are scored by ops.nlu_eval on the held-out, blind and real-question sets (each that exists)
and printed side by side (ops.side_by_side, shared with ops.peer_baseline);
var/results/embedding_trial.json keeps the figures, with the trial's training time.
The featurizer is kept only if it wins on the real and the blind set: see the README.
"""

from __future__ import annotations

import sys
from typing import List, Optional

from ops.paths import ROOT, VAR
from ops.side_by_side import Candidate, command_line

CONFIG = ROOT / "config_trials" / "wordllama.yml"
TRIAL = Candidate(
    key="wordllama",
    label="project + WordLlama",
    out_dir=VAR / "trial",
    results=VAR / "results" / "embedding_trial.json",
    duration="the project's pipeline plus the WordLlama featurizer",
)


def main(argv: Optional[List[str]] = None) -> int:
    return command_line(TRIAL, lambda: CONFIG, __doc__, argv)


if __name__ == "__main__":
    sys.exit(main())
