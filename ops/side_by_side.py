"""Train another configuration on the project's data and score it beside the project's model.

One piece of code for every such comparison (ops.peer_baseline: Rasa's default pipeline;
ops.embedding_trial: config.yml plus a pretrained featurizer): the candidate is trained with
`rasa train` on data/ and domain.yml into its own folder under var/, the project's model
(models/clinic.tar.gz) is trained first if its inputs changed (ops.train), both are scored by
ops.nlu_eval on the held-out, blind and real-question sets (each that exists), printed side by
side without any message text, and the figures saved as JSON under var/results/.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional

from ops.nlu_eval import SETS, Report, evaluate, quiet_rasa_logs
from ops.paths import MODEL, RASA, ROOT
from ops.services import base_env

METRICS = [
    ("intent accuracy", "intent_accuracy"),
    ("answer accuracy", "answer_accuracy"),
    ("medical recall", "medical_recall"),
    ("urgent recall", "urgent_recall"),
    ("false escalation", "false_escalation"),
    ("fallback rate", "fallback_rate"),
]


@dataclass(frozen=True)
class Candidate:
    """What is compared with the project's model, and where its model and figures go."""

    key: str  # short name: the model's file name, the JSON's key, the difference column
    label: str  # the table's column heading
    out_dir: Path  # the model goes to out_dir/<key>.tar.gz
    results: Path  # the figures (JSON)
    duration: str  # how long its training takes here, for the progress line

    @property
    def model(self) -> Path:
        return self.out_dir / f"{self.key}.tar.gz"


def train(candidate: Candidate, config: Path) -> float:
    """`rasa train` on data/ and domain.yml with the candidate's config; the seconds it took."""
    started = time.monotonic()
    command = [str(RASA), "train", "--force", "--config", str(config), "--domain", str(ROOT / "domain.yml")]
    command += ["--data", str(ROOT / "data"), "--out", str(candidate.out_dir), "--fixed-model-name", candidate.key]
    candidate.out_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(command, cwd=ROOT, env=base_env(), check=True)
    return time.monotonic() - started


def ensure_project_model() -> None:
    subprocess.run([sys.executable, "-m", "ops.train"], cwd=ROOT, env=base_env(), check=True)


def table(candidate: Candidate, results: Dict[str, Dict[str, Report]]) -> str:
    rows = [
        f"| set | metric | project | {candidate.label} | project - {candidate.key} |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, reports in results.items():
        ours, theirs = reports["project"], reports[candidate.key]
        rows.append(f"| {name} ({ours.examples}) | | | | |")
        for label, key in METRICS:
            a, b = getattr(ours, key), getattr(theirs, key)
            rows.append(f"| | {label} | {a:.3f} | {b:.3f} | {a - b:+.3f} |")
    return "\n".join(rows)


def figures(candidate: Candidate, training_s: Optional[float], results: Dict[str, Dict[str, Report]]) -> Dict:
    """The JSON saved: training time and every set's metrics, without the misses' texts."""
    return {
        f"{candidate.key}_training_s": training_s,
        "sets": {
            name: {who: {k: v for k, v in asdict(r).items() if k != "misses"} for who, r in reports.items()}
            for name, reports in results.items()
        },
    }


def compare(candidate: Candidate, config: Path, reuse: bool = False) -> int:
    """Train the candidate (unless reused), score both models on every set, print and save the figures."""
    training_s = None
    if not (reuse and candidate.model.exists()):
        print(f"Training {candidate.label} on data/ and domain.yml ({candidate.duration})...", flush=True)
        training_s = train(candidate, config)
    ensure_project_model()
    quiet_rasa_logs()
    results: Dict[str, Dict[str, Report]] = {}
    for name, path in SETS.items():
        if not path.exists():
            print(f"({path.relative_to(ROOT)} does not exist: skipped)")
            continue
        print(f"Scoring both models on {path.relative_to(ROOT)}...", flush=True)
        results[name] = {"project": evaluate(MODEL, path), candidate.key: evaluate(candidate.model, path)}
    print()
    if training_s is not None:
        print(f"{candidate.label} training time: {training_s:.0f} s")
    print(table(candidate, results))
    candidate.results.parent.mkdir(parents=True, exist_ok=True)
    candidate.results.write_text(json.dumps(figures(candidate, training_s, results), indent=2))
    print(f"\nFigures saved to {candidate.results.relative_to(ROOT)}")
    return 0


def command_line(candidate: Candidate, prepare_config: Callable[[], Path], doc: str, argv: Optional[List[str]]) -> int:
    """The command line both scripts share: [--reuse]; prepare_config gives the config to train."""
    parser = argparse.ArgumentParser(description=" ".join(doc.split("\n\n")[0].split()))
    parser.add_argument("--reuse", action="store_true", help=f"reuse {candidate.model.relative_to(ROOT)} if it exists")
    args = parser.parse_args(argv)
    return compare(candidate, prepare_config(), reuse=args.reuse)
