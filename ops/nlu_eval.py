"""Evaluate the trained model on the held-out set (tests/nlu_holdout.yml), never on training data.

    python -m ops.nlu_eval [--model models/clinic.tar.gz] [--holdout tests/nlu_holdout.yml]

Labels are intents, or `faq/<key>` for FAQ answers (intent `faq` plus the ResponseSelector's
choice). Prints: intent accuracy (FAQ counted as `faq`), answer accuracy (FAQ key must match
too), medical recall (a medical or urgent message predicted as either), urgent recall and
false escalation (a non-medical message predicted medical), and every miss.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

from ops.paths import MODEL, ROOT

HOLDOUT = ROOT / "tests" / "nlu_holdout.yml"
MEDICAL = {"medical_question", "urgent_medical"}


def load_examples(path: Path) -> List[Tuple[str, str]]:
    """[(text, label)] from a Rasa NLU YAML file; label is an intent or faq/<key>."""
    examples = []
    for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
        if "intent" not in block:
            continue
        for line in str(block.get("examples") or "").splitlines():
            line = line.strip()
            if line.startswith("- "):
                examples.append((line[2:].strip(), block["intent"]))
    return examples


def predicted_label(parse_data: Dict) -> str:
    intent = (parse_data.get("intent") or {}).get("name") or ""
    if intent == "faq":
        key = (((parse_data.get("response_selector") or {}).get("faq") or {}).get("response") or {}).get(
            "intent_response_key"
        )
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

    def summary(self) -> str:
        return (
            f"held-out examples: {self.examples}\n"
            f"intent accuracy:   {self.intent_accuracy:.3f}\n"
            f"answer accuracy:   {self.answer_accuracy:.3f}  (FAQ key must match too)\n"
            f"medical recall:    {self.medical_recall:.3f}\n"
            f"urgent recall:     {self.urgent_recall:.3f}\n"
            f"false escalation:  {self.false_escalation:.3f}\n"
            f"fallback rate:     {self.fallback_rate:.3f}"
        )


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
    )


async def _predict(model: Path, texts: List[str]) -> List[str]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return [predicted_label(await agent.parse_message(text)) for text in texts]


def evaluate(model: Path = MODEL, holdout: Path = HOLDOUT) -> Report:
    examples = load_examples(holdout)
    predictions = asyncio.run(_predict(model, [text for text, _ in examples]))
    return score([(text, gold, pred) for (text, gold), pred in zip(examples, predictions, strict=True)])


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--holdout", type=Path, default=HOLDOUT)
    parser.add_argument("--json", type=Path, help="also write the report as JSON here")
    args = parser.parse_args(argv)
    report = evaluate(args.model, args.holdout)
    print(report.summary())
    for miss in report.misses:
        print(f"  MISS {miss['expected']:<32} -> {miss['predicted']:<32} {miss['text']}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(asdict(report), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
