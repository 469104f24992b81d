"""The trained model on the held-out set (tests/nlu_holdout.yml, never used for training).

That the evaluation sets stay apart from the training data is tests/test_nlu_sets.py's concern.

Thresholds fail the build; the figures are printed (pytest -s, or var/results/holdout.json).
"""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest

from ops.nlu_eval import HOLDOUT, evaluate
from ops.paths import MODEL, ROOT

pytestmark = pytest.mark.rasa  # evaluates the trained model

THRESHOLDS = {
    "intent_accuracy": (">=", 0.93),
    "medical_recall": (">=", 0.98),
    "urgent_recall": (">=", 0.95),
    "false_escalation": ("<=", 0.03),
}


@pytest.fixture(scope="module")
def report():
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make test` (it trains first)")
    result = evaluate(MODEL, HOLDOUT)
    out = ROOT / "var" / "results" / "holdout.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(asdict(result), indent=2))
    print("\n" + result.summary())
    for miss in result.misses:
        print(f"  MISS {miss['expected']} -> {miss['predicted']}: {miss['text']}")
    return result


@pytest.mark.parametrize("metric", THRESHOLDS)
def test_holdout_threshold(report, metric):
    op, limit = THRESHOLDS[metric]
    value = getattr(report, metric)
    assert (value >= limit) if op == ">=" else (value <= limit), f"{metric} = {value:.3f}, needs {op} {limit}"
