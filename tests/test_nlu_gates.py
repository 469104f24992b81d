"""The trained model on the five evaluation sets, none of them ever used for training.

That the sets stay apart from the training data (by text, near-duplicates and, for the real
set, by source site) is tests/test_nlu_sets.py's concern.

* held-out (tests/nlu_holdout.yml): written beside the training data, in its voice;
* blind (tests/nlu_blind.yml): written later by someone who had seen neither;
* real (tests/nlu_real.yml): questions real people posted on public pages, each with its source;
* signs (tests/nlu_signs.yml): real people's general questions about warning signs (swelling,
  blisters, pus, bleeding, ...), none of them medical: false escalation on the words the urgent
  training examples use;
* fresh (tests/nlu_fresh.yml): real questions from sites no other set or training source uses,
  scored before anyone read it: what a new visitor's question meets.

Gates fail the build. Where issue #12's target is not reached yet, the gate holds the figure
reached so far (a floor against regressions) and TARGETS_NOT_MET says so; the README reports
both. The figures are written to var/results/<set>.json; the misses of the held-out set are
printed (pytest -s), those of the blind and real sets never are, so that nobody tunes the
training data to their texts (`python -m ops.nlu_eval --set real --no-texts` gives counts).
"""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest

from ops.nlu_eval import SETS, Report, evaluate
from ops.paths import MODEL, ROOT

pytestmark = pytest.mark.rasa  # evaluates the trained model

GATES = {
    "holdout": {
        "intent_accuracy": (">=", 0.93),
        "answer_accuracy": (">=", 0.93),
        "medical_recall": (">=", 0.98),
        "urgent_recall": (">=", 0.95),
        "false_escalation": ("<=", 0.03),
    },
    "blind": {
        "intent_accuracy": (">=", 0.95),
        "answer_accuracy": (">=", 0.95),
    },
    "real": {
        "intent_accuracy": (">=", 0.88),
        "answer_accuracy": (">=", 0.88),
        "medical_recall": (">=", 0.98),
        "urgent_recall": (">=", 1.0),
        "false_escalation": ("<=", 0.03),
    },
    "signs": {
        "intent_accuracy": (">=", 0.88),
        "false_escalation": ("<=", 0.03),
    },
    "fresh": {
        "intent_accuracy": (">=", 0.88),
        "answer_accuracy": (">=", 0.88),
        "medical_recall": (">=", 0.98),
        "false_escalation": ("<=", 0.03),
    },
}

# Issue #12's targets that the model does not reach yet: {(set, metric): floor held meanwhile}.
# Reached 2026-11-26 with the seed ensemble (config.yml: three DIET seeds averaged): real medical
# recall .975 (2 of 80 missed), urgent recall .867 (2 of 15 missed), false escalation .051 (13 of
# 255). Each floor leaves a margin of one example. Until then one DIET seed (42) served: .950,
# .867 and .035, floors .93, .80 and .045; seeds 7 and 1 on the same data gave .988/.071 and
# .975/.055 (README "NLU evaluation"), so a single seed's figures were a draw. The ensemble is
# steadier, and pays for 2 personal questions no longer missed with 4 harmless ones escalated.
# Training is deterministic for the seeds, so these hold run to run; a change of seeds or of
# training data is judged on all three sets. Real medical recall reached its target (.988, 1 of
# 80 missed) on 2026-12-04, when the safety net took a long question read as a bare "yes" for
# the medical intent ranked next (nlu_components/medical_safety_net.py); its floor went.
# The signs set (2026-12-06, 116 questions) was scored before it was read: the model before
# real_voice_general_signs.yml escalated 29 (0.250, 12 to the urgent path), the one after it 18
# (0.155, 6 urgent), intent accuracy 0.612 -> 0.733; floors with a margin of two questions.
# Answer accuracy (the FAQ key must match too) is gated as well since 2026-12-06: issue #12
# measured its 0.71 with the answer key, so its accuracy targets are read the same way. On the
# real set 0.836 (280 of 335) with data/nlu/answer_keys.yml and TreatmentScope, which also took
# the signs set's intent accuracy to 0.776; floors with a margin of two questions.
# The fresh set (2026-12-06, 147 real questions from 143 new sites, never read) has the real
# set's targets but no red flags: answer accuracy 0.796, medical recall 0.938 (15 of 16), false
# escalation 0.038 (5 of 131); floors with a margin of two questions (one for medical recall).
# A second answer-key round (2026-12-06; the intent model unchanged, by construction) took real
# answer accuracy to 0.845 (283 of 335) and fresh to 0.803 (118 of 147); floors raised with the
# same margin of two questions. A third (2026-12-07) took fresh to 0.816 (120 of 147) and held
# real at 0.845; the fresh floor raised the same way. BookingQuestions (2026-12-07) took two real
# booking questions from a fallback to book_consultation, every other reading of every set the
# same: real answer accuracy 0.851 (285 of 335), its floor raised with the same margin.
TARGETS_NOT_MET = {
    ("real", "answer_accuracy"): 0.844,
    ("real", "urgent_recall"): 0.80,
    ("real", "false_escalation"): 0.055,
    ("signs", "intent_accuracy"): 0.758,
    ("fresh", "answer_accuracy"): 0.802,
    ("fresh", "medical_recall"): 0.875,
    ("fresh", "false_escalation"): 0.054,
    ("signs", "false_escalation"): 0.175,
}

SHOWN_MISSES = {"holdout"}


def gate(name: str, metric: str):
    op, target = GATES[name][metric]
    return op, TARGETS_NOT_MET.get((name, metric), target)


@pytest.fixture(scope="module")
def reports():
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make test` (it trains first)")
    return {}


def report_for(reports, name: str) -> Report:
    if name not in reports:
        result = evaluate(MODEL, SETS[name])
        out = ROOT / "var" / "results" / f"{name}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(asdict(result) if name in SHOWN_MISSES else result.aggregates(), indent=2))
        print(f"\n{name}:\n" + result.summary())
        if name in SHOWN_MISSES:
            for miss in result.misses:
                print(f"  MISS {miss['expected']} -> {miss['predicted']}: {miss['text']}")
        reports[name] = result
    return reports[name]


@pytest.mark.parametrize("name, metric", [(name, metric) for name, metrics in GATES.items() for metric in metrics])
def test_evaluation_set_gate(reports, name, metric):
    op, limit = gate(name, metric)
    value = getattr(report_for(reports, name), metric)
    assert (value >= limit) if op == ">=" else (value <= limit), f"{name} {metric} = {value:.3f}, needs {op} {limit}"


def test_floors_are_below_their_targets():
    """A floor only ever stands in for a target not reached yet, never raises or replaces one."""
    for (name, metric), floor in TARGETS_NOT_MET.items():
        op, target = GATES[name][metric]
        assert (floor < target) if op == ">=" else (floor > target), (name, metric)
