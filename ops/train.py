"""Train the assistant when its training inputs changed; reuse the model otherwise.

    python -m ops.train [--force]

The fingerprint covers config.yml, domain.yml, everything under data/, the custom NLU
components' code (nlu_components/: a trainable one decides what the model holds), the spaCy
pipeline and the Rasa version. The clinic file (clinic.yml) is not part of it: it is read at run
time and never needs retraining.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterable, List

from ops.paths import MODEL, MODELS, RASA, ROOT

FINGERPRINT_FILE = MODELS / "clinic.fingerprint.json"
SPACY_STAMP = ROOT / "var" / "spacy" / "en_clinic" / "clinic_fingerprint.json"


def training_inputs() -> List[Path]:
    files = [ROOT / "config.yml", ROOT / "domain.yml"]
    files += sorted(path for path in (ROOT / "data").rglob("*") if path.is_file())
    files += sorted((ROOT / "nlu_components").glob("*.py"))
    return files


def fingerprint(files: Iterable[Path]) -> str:
    import rasa

    digest = hashlib.sha256(rasa.__version__.encode())
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    if SPACY_STAMP.exists():
        digest.update(SPACY_STAMP.read_bytes())
    return digest.hexdigest()


def model_is_current(current: str) -> bool:
    if not (MODEL.exists() and FINGERPRINT_FILE.exists()):
        return False
    try:
        return json.loads(FINGERPRINT_FILE.read_text()).get("fingerprint") == current
    except ValueError:
        return False


def spacy_fingerprint() -> str:
    return SPACY_STAMP.read_text() if SPACY_STAMP.exists() else ""


def train(force: bool) -> float:
    """Run `rasa train`; return the seconds it took.

    Rasa caches trained components by their configuration, which names the spaCy pipeline by
    path only: when the pipeline itself changed, the cache must not be reused (--force).
    """
    started = time.monotonic()
    command = [str(RASA), "train", "--fixed-model-name", "clinic", "--out", str(MODELS)]
    if force:
        command.append("--force")
    subprocess.run(command, cwd=ROOT, check=True, env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"})
    return time.monotonic() - started


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train the assistant if its inputs changed.")
    parser.add_argument("--force", action="store_true", help="train even if the model is current")
    args = parser.parse_args(argv)
    MODELS.mkdir(parents=True, exist_ok=True)
    # One training at a time (`make run` and `make test` in two terminals share models/ and
    # Rasa's cache); a second caller waits, then finds the model current.
    with open(MODELS / ".train.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _train_if_changed(args.force)


def _train_if_changed(force: bool) -> int:
    current = fingerprint(training_inputs())
    if not force and model_is_current(current):
        print(f"Model {MODEL.relative_to(ROOT)} is up to date (training data unchanged).")
        return 0
    print("Training the assistant (training data or config changed)...", flush=True)
    try:
        previous = json.loads(FINGERPRINT_FILE.read_text()) if FINGERPRINT_FILE.exists() else {}
    except ValueError:
        previous = {}
    try:
        seconds = train(force=force or previous.get("spacy") != spacy_fingerprint())
    except subprocess.CalledProcessError as error:
        print(f"error: rasa train failed with exit code {error.returncode}", file=sys.stderr)
        return 1
    FINGERPRINT_FILE.write_text(
        json.dumps({"fingerprint": current, "spacy": spacy_fingerprint(), "training_seconds": round(seconds, 1)})
    )
    print(f"Trained {MODEL.relative_to(ROOT)} in {seconds:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
