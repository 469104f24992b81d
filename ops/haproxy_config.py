"""The load balancer's configuration: deploy/haproxy.cfg.j2 rendered for a set of replicas.

    python -m ops.haproxy_config [--public :8000] [--actions :5056]
        [--rasa rasa-1:5005 --rasa rasa-2:5005] [--action action-1:5055 ...]   # prints the config

Without arguments it prints the configuration of the compose file (deploy/haproxy.cfg).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional, Sequence

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ops.paths import ROOT

DEPLOY = ROOT / "deploy"
TEMPLATE = "haproxy.cfg.j2"
COMPOSE_CONFIG = DEPLOY / "haproxy.cfg"
# The compose file's services (deploy/compose.yml).
COMPOSE_PUBLIC, COMPOSE_ACTIONS = ":8000", ":5056"
COMPOSE_RASA = ["rasa-1:5005", "rasa-2:5005"]
COMPOSE_ACTION_SERVERS = ["actions-1:5055", "actions-2:5055"]
COMPOSE_DNS = "127.0.0.11:53"  # Docker's embedded DNS server


def render(public_bind: str, actions_bind: str, rasa: Sequence[str], actions: Sequence[str], resolver: str = "") -> str:
    """The configuration for these addresses (``host:port``); servers are named rasa-1.., actions-1...

    ``resolver``: a DNS server (``ip:port``) to find the servers by name at run time (compose)."""
    if not rasa or not actions:
        raise ValueError("the load balancer needs at least one Rasa replica and one action server")
    # A configuration file, not HTML: nothing to escape, and every value is an address we chose.
    environment = Environment(
        loader=FileSystemLoader(DEPLOY),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701
    )
    return environment.get_template(TEMPLATE).render(
        public_bind=public_bind,
        resolver=resolver,
        actions_bind=actions_bind,
        rasa=[(f"rasa-{n}", address) for n, address in enumerate(rasa, 1)],
        actions=[(f"actions-{n}", address) for n, address in enumerate(actions, 1)],
    )


def compose_config() -> str:
    return render(COMPOSE_PUBLIC, COMPOSE_ACTIONS, COMPOSE_RASA, COMPOSE_ACTION_SERVERS, resolver=COMPOSE_DNS)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--public", default=COMPOSE_PUBLIC)
    parser.add_argument("--actions", default=COMPOSE_ACTIONS)
    parser.add_argument("--rasa", action="append", help="a Rasa replica's host:port (repeat)")
    parser.add_argument("--action", action="append", help="an action server's host:port (repeat)")
    args = parser.parse_args(argv)
    if not (args.rasa or args.action):
        sys.stdout.write(compose_config())
        return 0
    sys.stdout.write(
        render(args.public, args.actions, args.rasa or COMPOSE_RASA, args.action or COMPOSE_ACTION_SERVERS)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
