"""A peer on the same data: Rasa's default pipeline, exactly as `rasa init` writes it, trained on
this project's data/ and domain.yml, beside the project's own model on every evaluation set.

    python -m ops.peer_baseline [--reuse]        (make peer-baseline; about 15 minutes here)

`rasa init` writes a config.yml whose pipeline and policies are commented out ("No
configuration ... was provided. The following default pipeline was used"): they are read
from the installed Rasa's own template and made explicit in var/peer/config.yml, so the peer
is what a new Rasa user gets, trained on exactly what this project trains on. The project's
model is models/clinic.tar.gz, trained first if its inputs changed (ops.train).

Both are scored by ops.nlu_eval on the held-out, blind and real-question sets (each that
exists) and printed side by side; var/results/peer_baseline.json keeps the figures.
Not part of `make test`: the peer's TEDPolicy alone trains for minutes on two cores.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Dict, List, Optional

import yaml

from ops.nlu_eval import Report, evaluate
from ops.paths import MODEL, RASA, ROOT, VAR
from ops.services import base_env

PEER_DIR = VAR / "peer"
PEER_MODEL = PEER_DIR / "peer.tar.gz"
RESULTS = VAR / "results" / "peer_baseline.json"
EVALUATION_SETS: Dict[str, Path] = {
    "holdout": ROOT / "tests" / "nlu_holdout.yml",
    "blind": ROOT / "tests" / "nlu_blind.yml",
    "real": ROOT / "tests" / "nlu_real.yml",
}
METRICS = [
    ("intent accuracy", "intent_accuracy"),
    ("answer accuracy", "answer_accuracy"),
    ("medical recall", "medical_recall"),
    ("urgent recall", "urgent_recall"),
    ("false escalation", "false_escalation"),
    ("fallback rate", "fallback_rate"),
]


def rasa_init_template() -> Path:
    import rasa.cli

    return Path(rasa.cli.__file__).resolve().parent / "initial_project" / "config.yml"


def uncomment_defaults(template: str) -> Dict:
    """`rasa init`'s config.yml with its commented default pipeline and policies made explicit.

    The template comments each default line as "#   - name: ..." (and its options), and its
    explanations as "# # ...": the first are kept without their "# ", the second dropped.
    """
    lines = []
    for line in template.splitlines():
        stripped = line.lstrip()
        if stripped.startswith("# #"):
            continue
        if line.startswith("#   ") or line.startswith("#     "):
            lines.append(line[2:])
        else:
            lines.append(line)
    config = yaml.safe_load("\n".join(lines))
    if not config.get("pipeline") or not config.get("policies"):
        raise SystemExit(f"{rasa_init_template()}: no commented default pipeline/policies found")
    config["assistant_id"] = "peer-rasa-init-defaults"
    return config


def write_peer_config() -> Path:
    config = uncomment_defaults(rasa_init_template().read_text(encoding="utf-8"))
    PEER_DIR.mkdir(parents=True, exist_ok=True)
    path = PEER_DIR / "config.yml"
    header = "# Rasa's default pipeline and policies as `rasa init` writes them (made explicit by ops.peer_baseline).\n"
    path.write_text(header + yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def train_peer(config: Path) -> float:
    started = time.monotonic()
    command = [str(RASA), "train", "--force", "--config", str(config), "--domain", str(ROOT / "domain.yml")]
    command += ["--data", str(ROOT / "data"), "--out", str(PEER_DIR), "--fixed-model-name", "peer"]
    subprocess.run(command, cwd=ROOT, env=base_env(), check=True)
    return time.monotonic() - started


def ensure_project_model() -> None:
    subprocess.run([sys.executable, "-m", "ops.train"], cwd=ROOT, env=base_env(), check=True)


def table(results: Dict[str, Dict[str, Report]]) -> str:
    rows = ["| set | metric | project | rasa init defaults | project - peer |", "| --- | --- | --- | --- | --- |"]
    for name, reports in results.items():
        ours, peer = reports["project"], reports["peer"]
        rows.append(f"| {name} ({ours.examples}) | | | | |")
        for label, key in METRICS:
            a, b = getattr(ours, key), getattr(peer, key)
            rows.append(f"| | {label} | {a:.3f} | {b:.3f} | {a - b:+.3f} |")
    return "\n".join(rows)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true", help="reuse var/peer/peer.tar.gz if it exists")
    args = parser.parse_args(argv)
    config = write_peer_config()
    print(f"Peer configuration: {config.relative_to(ROOT)} (from {rasa_init_template()})", flush=True)
    training_s = None
    if not (args.reuse and PEER_MODEL.exists()):
        print("Training the peer on data/ and domain.yml (rasa init's defaults; about 15 minutes)...", flush=True)
        training_s = train_peer(config)
    ensure_project_model()
    results: Dict[str, Dict[str, Report]] = {}
    for name, path in EVALUATION_SETS.items():
        if not path.exists():
            print(f"({path.relative_to(ROOT)} does not exist: skipped)")
            continue
        print(f"Scoring both models on {path.relative_to(ROOT)}...", flush=True)
        results[name] = {"project": evaluate(MODEL, path), "peer": evaluate(PEER_MODEL, path)}
    print()
    if training_s is not None:
        print(f"Peer training time: {training_s:.0f} s")
    print(table(results))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "peer_training_s": training_s,
                "sets": {
                    name: {who: {k: v for k, v in asdict(r).items() if k != "misses"} for who, r in reports.items()}
                    for name, reports in results.items()
                },
            },
            indent=2,
        )
    )
    print(f"\nFigures saved to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
