"""The evaluation sets and what keeps them apart from the training data.

The sets, none ever used for training: the held-out set (tests/nlu_holdout.yml), the blind set
(tests/nlu_blind.yml), and three sets of questions real people wrote on public sites, each with
its source address: the real-question set (tests/nlu_real.yml), the general questions about
warning signs (tests/nlu_signs.yml) and the fresh set (tests/nlu_fresh.yml). Training and
evaluation are kept apart by text (no exact or near-duplicate example) and, for the sets of
real questions, by source site: the sites in
tests/nlu_real_sites.txt never appear among the training side's sources
(data/real_voice_sources.txt).

    python -m ops.nlu_sets

checks the training data against every evaluation set and prints each training example that
repeats or nearly repeats an evaluation example, naming the training example only (never the
evaluation text), so whoever writes training data can fix it without seeing the sets.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Set, Tuple
from urllib.parse import urlsplit

from ops.nlu_eval import load_examples
from ops.paths import ROOT

DATA = ROOT / "data"
TESTS = ROOT / "tests"
EVALUATION_SETS: Dict[str, Path] = {
    "holdout": TESTS / "nlu_holdout.yml",
    "blind": TESTS / "nlu_blind.yml",
    "real": TESTS / "nlu_real.yml",
    "signs": TESTS / "nlu_signs.yml",
    "fresh": TESTS / "nlu_fresh.yml",
}
REAL_SITES = TESTS / "nlu_real_sites.txt"
TRAINING_SOURCES = DATA / "real_voice_sources.txt"
NEAR_DUPLICATE_JACCARD = 0.8
# The intent contract (../shared/PRODUCT.md): the top-level labels an evaluation set may use,
# besides faq/<key> for the FAQ answers domain.yml holds.
CONTRACT_INTENTS = {
    "greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "human_handoff", "out_of_scope",
    "book_consultation", "ask_price", "ask_hours", "ask_location", "ask_contact", "event_info",
    "event_register", "medical_question", "urgent_medical",
}  # fmt: skip

# Second-level labels under which registrations happen one level down (co.uk, com.au, ...):
# enough of the public suffix list for the sites a clinic's questions come from, without a
# download at run time. Anything else counts as registrable at its last two labels.
_MULTI_LABEL_SUFFIXES = {
    "ac.uk", "co.uk", "gov.uk", "me.uk", "org.uk", "ltd.uk", "plc.uk", "nhs.uk",
    "com.au", "net.au", "org.au", "edu.au", "gov.au", "asn.au", "id.au",
    "co.nz", "net.nz", "org.nz", "ac.nz", "govt.nz",
    "co.za", "org.za", "ac.za", "gov.za",
    "co.in", "net.in", "org.in", "ac.in", "gov.in",
    "com.br", "com.mx", "com.ar", "com.co", "com.tr", "com.sg", "com.my", "com.ph", "com.pk",
    "com.hk", "com.tw", "com.cn", "com.ng", "com.eg", "com.sa", "com.ua", "com.pl",
    "co.jp", "ne.jp", "or.jp", "co.kr", "or.kr", "co.il", "org.il", "co.id", "co.th", "ac.th",
    "blogspot.com", "wordpress.com", "github.io", "pages.dev", "netlify.app", "wixsite.com",
}  # fmt: skip


def registrable_domain(host: str) -> str:
    """The site a host belongs to: 'www.realself.com' -> 'realself.com', 'x.co.uk' stays."""
    labels = [label for label in host.lower().strip(".").split(".") if label]
    if len(labels) >= 3 and ".".join(labels[-2:]) in _MULTI_LABEL_SUFFIXES:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def site_of(url: str) -> Optional[str]:
    """The registrable domain of an http(s) address, or None when it is not one."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or "." not in parts.hostname:
        return None
    return registrable_domain(parts.hostname)


def read_list(path: Path) -> List[str]:
    """Non-empty, non-comment lines of a one-item-a-line file ([] when it does not exist)."""
    if not path.exists():
        return []
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def tokens(text: str) -> Set[str]:
    """Lower-cased word tokens, the unit of the near-duplicate measure."""
    return set(re.findall(r"\w+", text.lower()))


@dataclass(frozen=True)
class Clash:
    """An evaluation example and a training example that are the same or nearly the same."""

    evaluation_text: str
    training_text: str
    training_file: str
    jaccard: float


class TrainingIndex:
    """Training examples indexed by token, so each evaluation example meets only the training
    examples it shares a word with (instead of every pair)."""

    def __init__(self, examples: Iterable[Tuple[str, str]]):
        self.texts: List[Tuple[str, str]] = []
        self.token_sets: List[Set[str]] = []
        self.exact: Dict[str, int] = {}
        self.postings: Dict[str, List[int]] = defaultdict(list)
        for text, origin in examples:
            index = len(self.texts)
            self.texts.append((text, origin))
            token_set = tokens(text)
            self.token_sets.append(token_set)
            self.exact.setdefault(text.strip().lower(), index)
            for token in token_set:
                self.postings[token].append(index)

    @classmethod
    def from_data(cls, data: Path = DATA) -> "TrainingIndex":
        return cls(
            (text, str(path.relative_to(data.parent)))
            for path in sorted(data.rglob("*.yml"))
            for text, _ in load_examples(path)
        )

    def clashes(self, text: str, threshold: float = NEAR_DUPLICATE_JACCARD) -> List[Clash]:
        """Training examples equal to `text` (case-insensitively) or with token-set Jaccard
        similarity >= threshold."""
        found: Dict[int, float] = {}
        exact = self.exact.get(text.strip().lower())
        if exact is not None:
            found[exact] = 1.0
        query = tokens(text)
        if query:
            shared: Dict[int, int] = defaultdict(int)
            for token in query:
                for index in self.postings.get(token, ()):
                    shared[index] += 1
            for index, common in shared.items():
                jaccard = common / (len(query) + len(self.token_sets[index]) - common)
                if jaccard >= threshold:
                    found[index] = max(found.get(index, 0.0), jaccard)
        return [
            Clash(text, self.texts[index][0], self.texts[index][1], jaccard)
            for index, jaccard in sorted(found.items(), key=lambda item: -item[1])
        ]


def main(argv: List[str] | None = None) -> int:
    index = TrainingIndex.from_data()
    problems = 0
    for name, path in EVALUATION_SETS.items():
        if not path.exists():
            continue
        clashes = [clash for text, _ in load_examples(path) for clash in index.clashes(text)]
        problems += len(clashes)
        print(f"{name}: {len(clashes)} training example(s) repeat or nearly repeat its examples")
        for clash in clashes:
            print(f"  {clash.training_file}: {clash.training_text!r} (Jaccard {clash.jaccard:.2f})")
    training_sites = {site for site in map(site_of, read_list(TRAINING_SOURCES)) if site}
    shared_sites = sorted(training_sites & set(read_list(REAL_SITES)))
    problems += len(shared_sites)
    print(f"sites used by both training and the real set: {', '.join(shared_sites) or 'none'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
