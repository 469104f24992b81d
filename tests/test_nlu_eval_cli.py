"""ops.nlu_eval reads both example formats, and its --no-texts report carries no message text.

The training engineer may read the --no-texts aggregates of the real-question set but never its
texts, so the report (stdout, stderr and the --json file) is checked for every message of a small
set, run as the command it is, on the trained model.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from ops.nlu_eval import load_annotated_examples, load_examples
from ops.paths import MODEL, ROOT

pytestmark = pytest.mark.rasa  # evaluates the trained model

BLOCK = """version: "3.1"
nlu:
- intent: faq/microneedling_pain
  examples: |
    - does the quokka needle thing sting much
    - ouch factor of microneedling for a wombat like me?
"""

LISTED = """version: "3.1"
nlu:
- intent: ask_price
  examples:
  - text: "platypus budget: what does one session cost?"
    metadata:
      source: https://www.example.com/faq
- intent: medical_question
  examples:
  - text: "I'm on isotretinoin for my numbat-sized acne, can I book next week?"
    metadata:
      source: https://www.example.com/thread/1
"""


def test_both_example_formats_are_read(tmp_path):
    block, listed = tmp_path / "block.yml", tmp_path / "listed.yml"
    block.write_text(BLOCK, encoding="utf-8")
    listed.write_text(LISTED, encoding="utf-8")
    assert load_examples(block) == [
        ("does the quokka needle thing sting much", "faq/microneedling_pain"),
        ("ouch factor of microneedling for a wombat like me?", "faq/microneedling_pain"),
    ]
    assert load_examples(listed) == [
        ("platypus budget: what does one session cost?", "ask_price"),
        ("I'm on isotretinoin for my numbat-sized acne, can I book next week?", "medical_question"),
    ]
    assert [metadata for _, _, metadata in load_annotated_examples(listed)] == [
        {"source": "https://www.example.com/faq"},
        {"source": "https://www.example.com/thread/1"},
    ]
    assert [metadata for _, _, metadata in load_annotated_examples(block)] == [{}, {}]


def test_no_texts_report_carries_no_message_text(tmp_path):
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make test` (it trains first)")
    evaluation = tmp_path / "set.yml"
    evaluation.write_text(LISTED + BLOCK.split("nlu:\n", 1)[1], encoding="utf-8")
    report = tmp_path / "report.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
    run = subprocess.run(
        [sys.executable, "-m", "ops.nlu_eval", "--holdout", str(evaluation), "--no-texts", "--json", str(report)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert re.search(r"examples: +4\n", run.stdout)
    assert "per-label recall" in run.stdout and "confusion (expected -> predicted: count)" in run.stdout
    aggregates = json.loads(report.read_text(encoding="utf-8"))
    examples = {label: figures["examples"] for label, figures in aggregates["per_label_recall"].items()}
    assert examples == {"ask_price": 1, "medical_question": 1, "faq/microneedling_pain": 2}
    written = run.stdout + run.stderr + report.read_text(encoding="utf-8")
    for text, _ in load_examples(evaluation):
        assert text not in written
    for word in ("quokka", "wombat", "platypus", "numbat"):
        assert word not in written.lower()


def test_faq_answers_are_read_from_the_faq_selector_or_the_only_default_one():
    """The project's pipeline names its selector `faq`; `rasa init`'s (the peer's) says `default`."""
    from ops.nlu_eval import predicted_label

    def parse(selectors):
        return {"intent": {"name": "faq"}, "response_selector": selectors}

    def answer(key):
        return {"response": {"intent_response_key": key}}

    assert predicted_label(parse({"faq": answer("faq/downtime")})) == "faq/downtime"
    assert predicted_label(parse({"default": answer("faq/aftercare")})) == "faq/aftercare"
    assert predicted_label(parse({"faq": answer("faq/downtime"), "default": answer("faq/x")})) == "faq/downtime"
    assert predicted_label(parse({})) == "faq"
    assert predicted_label({"intent": {"name": "greet"}}) == "greet"
