"""config.yml keeps the shape the README's figures were measured with.

A config.yml without `policies` still trains: Rasa silently adds its defaults (TEDPolicy and
UnexpecTEDIntentPolicy), which cost training time and latency on every turn and drop the
RulePolicy's fallback to `action_clarify`, so an empty message got no reply. That happened once
(2026-11-26) and was only seen through slower benchmarks and two REST tests.
"""

from __future__ import annotations

import yaml

from ops.paths import ROOT


def _config():
    return yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))


def test_policies_are_declared_and_have_no_learned_dialogue_policy():
    policies = _config().get("policies") or []
    assert [policy["name"] for policy in policies] == ["MemoizationPolicy", "RulePolicy"]
    rule_policy = policies[1]
    assert rule_policy["core_fallback_action_name"] == "action_clarify"
    assert rule_policy["enable_fallback_prediction"] is True


def test_intents_come_from_the_seed_ensemble_and_the_safety_net_decides_last():
    names = [component["name"] for component in _config()["pipeline"]]
    assert "DIETClassifier" not in names
    assert names.count("nlu_components.seed_ensemble.SeedEnsembleIntentClassifier") == 1
    # Only the parts of a several-question message are gathered after it; they were cut first.
    assert names[-4] == "nlu_components.medical_safety_net.MedicalSafetyNet"
    # The two rules after the net: one reads only a medical_question it made for no red flag, the
    # other moves a message only between two harmless answers (price -> FAQ).
    assert names[-3] == "nlu_components.practical_questions.PracticalQuestions"
    assert names[-2] == "nlu_components.how_much_of_what.HowMuchOfWhat"
    assert names[-1] == "nlu_components.question_parts.QuestionPartsCollector"
    assert names[0] == "nlu_components.question_parts.QuestionSplitter"
    assert names.index("FallbackClassifier") < names.index("nlu_components.medical_safety_net.MedicalSafetyNet")
    # A booking question given up on is read after the fallback decided, and judged by the net after.
    booking = names.index("nlu_components.booking_questions.BookingQuestions")
    assert (
        names.index("FallbackClassifier") < booking < names.index("nlu_components.medical_safety_net.MedicalSafetyNet")
    )
