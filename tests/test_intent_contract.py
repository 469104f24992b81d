"""The intent contract (clinic.intents, from PRODUCT.md) is what the domain and the NLU data define;
the FAQ keys and the buttons are one set, defined once (actions/topics.py)."""

from __future__ import annotations

from pathlib import Path

import yaml

from actions.topics import FAQ_LABELS, FAQ_NEXT_STEPS, INTENT_LABELS, topic_button
from clinic.intents import CONTRACT_INTENTS, FAQ_INTENT, FAQ_KEYS
from ops.nlu_eval import load_examples

ROOT = Path(__file__).resolve().parent.parent


def domain():
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def training_labels():
    labels = set()
    for path in (ROOT / "data").rglob("*.yml"):
        labels |= {label for _, label in load_examples(path)}
    return labels


def test_domain_and_training_data_define_every_contract_intent_and_faq_key():
    intents = {next(iter(i)) if isinstance(i, dict) else i for i in domain()["intents"]}
    assert set(CONTRACT_INTENTS) | {FAQ_INTENT} <= intents
    faq_responses = {name.split("/", 1)[1] for name in domain().get("responses", {}) if name.startswith("utter_faq/")}
    assert faq_responses == set(FAQ_KEYS)
    labels = training_labels()
    assert set(CONTRACT_INTENTS) <= labels
    assert {f"{FAQ_INTENT}/{key}" for key in FAQ_KEYS} <= labels


def test_the_faq_keys_are_one_set_everywhere():
    """domain.yml's answers, the NLU data, the button labels and the next steps name the same keys."""
    answers = {name.split("/", 1)[1] for name in domain()["responses"] if name.startswith("utter_faq/")}
    trained = {label.split("/", 1)[1] for label in training_labels() if label.startswith(f"{FAQ_INTENT}/")}
    next_steps = {topic.split("/", 1)[1] for steps in FAQ_NEXT_STEPS.values() for topic in steps if "/" in topic}
    assert answers == trained == set(FAQ_LABELS) == set(FAQ_NEXT_STEPS) == set(FAQ_KEYS)
    assert next_steps <= set(FAQ_KEYS)
    # Every next step is a topic with a button (an FAQ key or a labelled intent).
    assert all(topic_button(topic) for steps in FAQ_NEXT_STEPS.values() for topic in steps)


def test_buttons_written_in_domain_yml_use_the_topics_labels():
    """The few plain responses with buttons name a topic exactly as actions/topics.py does."""
    checked = 0
    for name, variations in domain()["responses"].items():
        for variation in variations:
            for button in variation.get("buttons") or []:
                intent = button["payload"].lstrip("/")
                if intent in INTENT_LABELS:
                    assert button["title"] == INTENT_LABELS[intent], (name, button)
                    checked += 1
    assert checked >= 5
