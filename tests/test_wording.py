"""The visitor's words live in domain.yml; the actions fill in facts (actions/wording.py), and the
urgent safety message has one builder and one wording (actions/safety.py)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml
from action_harness import joined, parse, rendered, say_text, tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.wording import INVALID_INPUT_RESPONSES, REGISTRATION_ERROR_RESPONSES

ROOT = Path(__file__).resolve().parent.parent
RESPONSES = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]


def string_constants(path: Path):
    return [
        node.value
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def test_every_response_the_actions_name_is_in_domain_yml():
    named = {
        value
        for path in (ROOT / "actions").glob("*.py")
        for value in string_constants(path)
        # The FAQ answers: test_intent_contract; "utter_action": the key under which Rasa records
        # the response a bot message came from (actions/follow_ups.py reads it).
        if value.startswith("utter_") and value not in ("utter_faq/", "utter_action")
    }
    assert len(named) > 40
    assert named - set(RESPONSES) == set()


def invalid_input_codes(module: str):
    """(field, reason) of every InvalidInput a module raises with literal arguments."""
    codes = set()
    for node in ast.walk(ast.parse((ROOT / module).read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "InvalidInput":
            args = [a.value for a in node.args[:2] if isinstance(a, ast.Constant)]
            if len(args) == 2:
                codes.add(tuple(args))
    return codes


def test_every_refusal_of_what_a_visitor_typed_has_its_words():
    raised = invalid_input_codes("clinic/validation.py") | invalid_input_codes("clinic/registrations.py")
    assert len(raised) >= 12
    assert raised <= set(INVALID_INPUT_RESPONSES)
    for response in list(INVALID_INPUT_RESPONSES.values()) + list(REGISTRATION_ERROR_RESPONSES.values()):
        assert response in RESPONSES


def test_no_action_words_a_sentence_itself():
    """Text sent by the actions comes from domain.yml (actions/languages.py holds the other languages)."""
    for path in (ROOT / "actions").glob("*.py"):
        if path.name == "languages.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.keyword) and node.arg == "text":
                assert isinstance(node.value, ast.Name) and node.value.id == "translated", (
                    path.name,
                    ast.unparse(node),
                )


# --- the urgent safety message ----------------------------------------------------------------


def send_safety(latest):
    from actions.safety import send_urgent_safety

    dispatcher = CollectingDispatcher()
    send_urgent_safety(dispatcher, tracker(latest))
    return rendered(dispatcher.messages)


@pytest.mark.usefixtures("use_clinic_file")
def test_the_urgent_safety_message_names_the_clinics_emergency_number_and_urgent_line():
    [message] = send_safety(parse("urgent_medical"))
    text = message["text"]
    assert "call 999 now" in text and "urgent line on +44 20 7946 0911" in text and "Please don't wait" in text
    assert text.startswith("⚠️")
    # In another language, its essentials follow in that language, with the same numbers.
    latest = {**parse("urgent_medical"), "language": {"code": "es", "non_english": True}}
    english, spanish = send_safety(latest)
    assert english["text"] == text
    assert "llame ahora al 999" in spanish["text"] and "+44 20 7946 0911" in spanish["text"]


def test_the_urgent_safety_message_has_one_wording():
    """Only domain.yml words it; the actions name the emergency number and urgent line in one place."""
    assert "emergency department" in say_text("utter_urgent_safety", emergency_number="112", urgent_line="0800")
    others = [name for name, variations in RESPONSES.items() if "{emergency_number}" in yaml.safe_dump(variations)]
    assert others == ["utter_urgent_safety"]
    users = [
        path.name
        for path in (ROOT / "actions").glob("*.py")
        if re.search(r"\.(emergency_number|urgent_line)\b", path.read_text())
    ]
    assert sorted(users) == ["languages.py", "wording.py"]  # safety_facts, and the other languages' sentence


@pytest.mark.usefixtures("use_clinic_file")
@pytest.mark.parametrize(
    "action, latest",
    [
        (
            "actions.medical.ActionMedicalReply",
            parse("medical_question", entities=[{"entity": "red_flag", "value": "pus"}]),
        ),
        (
            "actions.fallback.ActionClarify",
            parse(
                "nlu_fallback",
                0.3,
                ranking=[("nlu_fallback", 0.45), ("urgent_medical", 0.35), ("faq", 0.3)],
                entities=[{"entity": "body_area", "value": "lip"}],
            ),
        ),
    ],
    ids=["medical-question-with-a-warning-sign", "not-understood-but-maybe-urgent"],
)
def test_the_safety_message_comes_first_wherever_urgency_is_suspected(action, latest):
    from importlib import import_module

    from action_harness import run

    module, name = action.rsplit(".", 1)
    messages, _ = run(getattr(import_module(module), name)(), latest)
    assert messages[0]["response"] == "utter_urgent_safety" and "999" in joined(messages[:1])
