"""Build the project's spaCy pipeline from PyPI packages alone and save it to disk.

The pipeline is a blank English model with:
  * a lookup lemmatizer whose tables come from ``spacy-lookups-data`` (no model hub), and
  * an entity ruler that tags the clinic's terminology (``terminology.yml``).

Rasa's ``SpacyNLP`` loads it from the saved path (see ``config.yml``).

    python -m spacy_pipeline.build [OUTPUT_DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Dict, List

import yaml

TERMINOLOGY_FILE = Path(__file__).with_name("terminology.yml")
DEFAULT_OUTPUT = Path("var/spacy/en_clinic")
PIPELINE_NAME = "en_clinic"


def load_terminology(path: Path = TERMINOLOGY_FILE) -> Dict[str, List[str]]:
    """Read and validate the label -> phrases mapping."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not data:
        raise ValueError(f"{path}: expected a mapping of entity label to a list of phrases")
    terminology: Dict[str, List[str]] = {}
    for label, phrases in data.items():
        if not isinstance(label, str) or not label.isidentifier():
            raise ValueError(f"{path}: entity label {label!r} must be a simple identifier")
        if not isinstance(phrases, list) or not all(isinstance(p, str) and p.strip() for p in phrases):
            raise ValueError(f"{path}: label {label!r} must list non-empty phrases")
        terminology[label] = [p.strip() for p in phrases]
    return terminology


def fingerprint() -> str:
    """A hash of what determines the pipeline: this module, the terminology, spaCy's version."""
    import spacy

    digest = hashlib.sha256()
    digest.update(Path(__file__).read_bytes())
    digest.update(TERMINOLOGY_FILE.read_bytes())
    digest.update(spacy.__version__.encode())
    return digest.hexdigest()[:16]


def build(terminology: Dict[str, List[str]]):
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    # Longest match wins; patterns compare the lower-cased text, so "Accutane" == "accutane".
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER", "overwrite_ents": True})
    # initialize() loads the lemma tables from spacy-lookups-data, and empties the entity
    # ruler: its patterns must be added afterwards.
    nlp.initialize()
    patterns = [
        {"label": label, "pattern": phrase, "id": label} for label, phrases in terminology.items() for phrase in phrases
    ]
    ruler.add_patterns(patterns)
    nlp.meta["name"] = PIPELINE_NAME
    nlp.meta["version"] = "1.0.0"
    nlp.meta["description"] = "Blank English + lookup lemmas + the clinic's terminology (entity ruler)."
    return nlp


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", default=str(DEFAULT_OUTPUT))
    parser.add_argument("--if-changed", action="store_true", help="skip when the saved pipeline is current")
    args = parser.parse_args(argv)
    output = Path(args.output)
    stamp = output / "clinic_fingerprint.json"
    current = fingerprint()
    if args.if_changed and stamp.exists():
        if json.loads(stamp.read_text()).get("fingerprint") == current:
            print(f"spaCy pipeline {output} is up to date")
            return 0
    try:
        terminology = load_terminology()
    except (OSError, ValueError, yaml.YAMLError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    nlp = build(terminology)
    output.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output)
    stamp.write_text(json.dumps({"fingerprint": current}))
    count = sum(len(p) for p in terminology.values())
    print(f"spaCy pipeline saved to {output} ({count} terminology patterns, labels: {', '.join(terminology)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
