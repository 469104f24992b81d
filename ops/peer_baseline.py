"""A peer on the same data: Rasa's default pipeline, exactly as `rasa init` writes it, trained on
this project's data/ and domain.yml, beside the project's own model on every evaluation set.

    python -m ops.peer_baseline [--reuse]        (make peer-baseline; 45-75 minutes here: 2,750 s, then 3,543 and 4,254 s under load)

`rasa init` writes a config.yml whose pipeline and policies are commented out ("No
configuration ... was provided. The following default pipeline was used"): they are read
from the installed Rasa's own template and made explicit in var/peer/config.yml, so the peer
is what a new Rasa user gets, trained on exactly what this project trains on. The project's
model is models/clinic.tar.gz, trained first if its inputs changed (ops.train).

Both are scored by ops.nlu_eval on the held-out, blind and real-question sets (each that
exists) and printed side by side (ops.side_by_side, shared with ops.embedding_trial);
var/results/peer_baseline.json keeps the figures.
Not part of `make test`: the peer's TEDPolicy alone trains for minutes on two cores.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Dict, List, Optional

import yaml

from ops.paths import ROOT, VAR
from ops.side_by_side import Candidate, command_line

PEER = Candidate(
    key="peer",
    label="rasa init defaults",
    out_dir=VAR / "peer",
    results=VAR / "results" / "peer_baseline.json",
    duration="45-75 minutes here",
)


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
    PEER.out_dir.mkdir(parents=True, exist_ok=True)
    path = PEER.out_dir / "config.yml"
    header = "# Rasa's default pipeline and policies as `rasa init` writes them (made explicit by ops.peer_baseline).\n"
    path.write_text(header + yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def prepare_config() -> Path:
    config = write_peer_config()
    print(f"Peer configuration: {config.relative_to(ROOT)} (from {rasa_init_template()})", flush=True)
    return config


def main(argv: Optional[List[str]] = None) -> int:
    return command_line(PEER, prepare_config, __doc__, argv)


if __name__ == "__main__":
    sys.exit(main())
