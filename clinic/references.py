"""Short references shown to visitors ("MED-7K3Q"): easy to read aloud, hard to mistype.

The alphabet leaves out 0/O, 1/I/L and U, so a reference read over the phone or copied by
hand comes back right; ``normalize_reference`` forgives case and a missing dash.
Uniqueness is the database's job (a unique constraint); callers draw again on a collision.
"""

from __future__ import annotations

import re
import secrets
from typing import Optional

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 4  # 30**4 = 810,000 codes per prefix

TICKET_PREFIXES = {"medical": "MED", "urgent": "URG", "human": "HUM", "booking": "BKG"}
REGISTRATION_PREFIX = "EVT"

_SHAPE = re.compile(r"^([A-Z]{3})[-\s]?([0-9A-Z]{%d})$" % CODE_LENGTH)


def new_reference(prefix: str) -> str:
    return f"{prefix}-" + "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize_reference(text: str) -> Optional[str]:
    """'med 7k3q' -> 'MED-7K3Q'; None when the text is not shaped like a reference."""
    match = _SHAPE.match(re.sub(r"\s+", " ", text.strip().upper()))
    if not match:
        return None
    prefix, code = match.groups()
    if any(char not in ALPHABET for char in code):
        return None
    return f"{prefix}-{code}"
