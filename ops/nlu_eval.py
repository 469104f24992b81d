"""Evaluate the trained model on an evaluation set, never on training data.

    python -m ops.nlu_eval [--model models/clinic.tar.gz] [--set holdout|blind|real|signs|fresh | --holdout PATH]
                           [--no-texts] [--json PATH]

Sets: the held-out set (tests/nlu_holdout.yml, the default), the blind set (tests/nlu_blind.yml)
the real-question set (tests/nlu_real.yml) and the real general questions about warning signs
(tests/nlu_signs.yml, labelled `faq` or `out_of_scope` only: its answer accuracy means nothing)
and the fresh set of real questions (tests/nlu_fresh.yml, scored before anyone read it).
Labels are intents, or `faq/<key>` for FAQ answers
(intent `faq` plus the ResponseSelector's choice). Prints: intent accuracy (FAQ counted as `faq`),
answer accuracy (FAQ key must match too), medical recall (a medical or urgent message predicted as
either), urgent recall and false escalation (a non-medical message predicted medical), and every
miss. With --no-texts it prints, instead of the misses, per-label recall and the confusion counts
(expected -> predicted: count) without any message text, for whoever must not see the sets' texts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Tuple

import yaml

from ops.paths import MODEL, ROOT

HOLDOUT = ROOT / "tests" / "nlu_holdout.yml"
SETS = {
    "holdout": HOLDOUT,
    "blind": ROOT / "tests" / "nlu_blind.yml",
    "real": ROOT / "tests" / "nlu_real.yml",
    "signs": ROOT / "tests" / "nlu_signs.yml",
    "fresh": ROOT / "tests" / "nlu_fresh.yml",
}
MEDICAL = {"medical_question", "urgent_medical"}


def load_annotated_examples(path: Path) -> List[Tuple[str, str, Dict[str, Any]]]:
    """[(text, label, metadata)] from a Rasa NLU YAML file, in either of Rasa's example formats:
    a block string of `- text` lines, or a list of `{text, metadata}` entries."""
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    examples = []
    for block in document.get("nlu") or []:
        if "intent" not in block:
            continue
        entries = block.get("examples") or []
        if isinstance(entries, str):
            for line in entries.splitlines():
                line = line.strip()
                if line.startswith("- "):
                    examples.append((line[2:].strip(), block["intent"], {}))
            continue
        for entry in entries:
            if isinstance(entry, dict) and str(entry.get("text") or "").strip():
                examples.append((str(entry["text"]).strip(), block["intent"], dict(entry.get("metadata") or {})))
    return examples


def load_examples(path: Path) -> List[Tuple[str, str]]:
    """[(text, label)] from a Rasa NLU YAML file; label is an intent or faq/<key>."""
    return [(text, label) for text, label, _ in load_annotated_examples(path)]


def predicted_label(parse_data: Dict) -> str:
    """The intent, or faq/<key>: from the selector for `faq` (config.yml's), or else the one
    selector a pipeline without `retrieval_intent` has ("default": `rasa init`'s, the peer's)."""
    intent = (parse_data.get("intent") or {}).get("name") or ""
    if intent == "faq":
        selectors = parse_data.get("response_selector") or {}
        selector = selectors.get("faq") or selectors.get("default") or {}
        key = (selector.get("response") or {}).get("intent_response_key")
        return key or "faq"
    return intent


def top_level(label: str) -> str:
    return label.split("/", 1)[0]


@dataclass
class Report:
    examples: int
    intent_accuracy: float
    answer_accuracy: float
    medical_recall: float
    urgent_recall: float
    false_escalation: float
    fallback_rate: float
    misses: List[Dict[str, str]] = field(default_factory=list)
    label_counts: Dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        return (
            f"examples:          {self.examples}\n"
            f"intent accuracy:   {self.intent_accuracy:.3f}\n"
            f"answer accuracy:   {self.answer_accuracy:.3f}  (FAQ key must match too)\n"
            f"medical recall:    {self.medical_recall:.3f}\n"
            f"urgent recall:     {self.urgent_recall:.3f}\n"
            f"false escalation:  {self.false_escalation:.3f}\n"
            f"fallback rate:     {self.fallback_rate:.3f}"
        )

    def per_label_recall(self) -> Dict[str, Dict[str, float]]:
        """{gold label: {examples, recall}}: the share of each label's examples answered exactly."""
        missed = Counter(miss["expected"] for miss in self.misses)
        return {
            label: {"examples": total, "recall": (total - missed[label]) / total}
            for label, total in sorted(self.label_counts.items())
        }

    def confusion(self) -> List[Tuple[str, str, int]]:
        """[(expected, predicted, count)] over the misses, commonest first; no message text."""
        pairs = Counter((miss["expected"], miss["predicted"]) for miss in self.misses)
        return [
            (expected, predicted, count)
            for (expected, predicted), count in sorted(pairs.items(), key=lambda item: (-item[1], item[0]))
        ]

    def aggregates(self) -> Dict[str, Any]:
        """The report without any message text (what --no-texts prints and writes)."""
        figures = {key: value for key, value in asdict(self).items() if key not in ("misses", "label_counts")}
        figures["per_label_recall"] = self.per_label_recall()
        figures["confusion"] = [
            {"expected": expected, "predicted": predicted, "count": count}
            for expected, predicted, count in self.confusion()
        ]
        return figures


def score(pairs: List[Tuple[str, str, str]]) -> Report:
    """pairs: (text, gold label, predicted label)."""

    def ratio(hits: int, total: int) -> float:
        return hits / total if total else 1.0

    medical = [(g, p) for _, g, p in pairs if g in MEDICAL]
    urgent = [(g, p) for _, g, p in pairs if g == "urgent_medical"]
    other = [(g, p) for _, g, p in pairs if g not in MEDICAL]
    return Report(
        examples=len(pairs),
        intent_accuracy=ratio(sum(top_level(g) == top_level(p) for _, g, p in pairs), len(pairs)),
        answer_accuracy=ratio(sum(g == p for _, g, p in pairs), len(pairs)),
        medical_recall=ratio(sum(p in MEDICAL for _, p in medical), len(medical)),
        urgent_recall=ratio(sum(p == "urgent_medical" for _, p in urgent), len(urgent)),
        false_escalation=ratio(sum(p in MEDICAL for _, p in other), len(other)),
        fallback_rate=ratio(sum(p == "nlu_fallback" for _, _, p in pairs), len(pairs)),
        misses=[{"text": t, "expected": g, "predicted": p} for t, g, p in pairs if g != p],
        label_counts=dict(Counter(g for _, g, _ in pairs)),
    )


async def _predict(model: Path, texts: List[str]) -> List[str]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return [predicted_label(await agent.parse_message(text)) for text in texts]


def evaluate(model: Path = MODEL, holdout: Path = HOLDOUT) -> Report:
    examples = load_examples(holdout)
    predictions = asyncio.run(_predict(model, [text for text, _ in examples]))
    return score([(text, gold, pred) for (text, gold), pred in zip(examples, predictions, strict=True)])


def quiet_rasa_logs() -> None:
    """Rasa logs every parse at debug level with the message text (structlog, unconfigured outside
    Rasa's CLI, prints all levels): keep those lines out of a report, above all a text-free one."""
    from rasa.utils.log_utils import configure_structlog

    logging.getLogger("rasa").setLevel(logging.WARNING)
    configure_structlog(logging.WARNING)


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=MODEL)
    chosen = parser.add_mutually_exclusive_group()
    chosen.add_argument("--set", choices=sorted(SETS), help="an evaluation set by name")
    chosen.add_argument("--holdout", type=Path, help=f"an evaluation set by path (default {HOLDOUT.relative_to(ROOT)})")
    parser.add_argument(
        "--no-texts",
        action="store_true",
        help="print per-label recall and expected -> predicted counts instead of the misses; no message text",
    )
    parser.add_argument("--json", type=Path, help="also write the report as JSON here")
    args = parser.parse_args(argv)
    path = SETS[args.set] if args.set else (args.holdout or HOLDOUT)
    if not path.is_file():
        parser.error(f"no evaluation set at {path}")
    quiet_rasa_logs()
    report = evaluate(args.model, path)
    print(report.summary())
    if args.no_texts:
        print("per-label recall (FAQ key must match):")
        for label, figures in report.per_label_recall().items():
            print(f"  {label:<34} {figures['recall']:.3f}  of {figures['examples']}")
        print("confusion (expected -> predicted: count):")
        for expected, predicted, count in report.confusion():
            print(f"  {expected} -> {predicted}: {count}")
    else:
        for miss in report.misses:
            print(f"  MISS {miss['expected']:<32} -> {miss['predicted']:<32} {miss['text']}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report.aggregates() if args.no_texts else asdict(report), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
