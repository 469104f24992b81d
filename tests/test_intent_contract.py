"""The intent contract (clinic.intents, from PRODUCT.md) is what the domain and the NLU data define."""

from __future__ import annotations

from pathlib import Path

import yaml

from clinic.intents import CONTRACT_INTENTS, FAQ_INTENT, FAQ_KEYS
from ops.nlu_eval import load_examples

ROOT = Path(__file__).resolve().parent.parent


def test_domain_and_training_data_define_every_contract_intent_and_faq_key():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    intents = {next(iter(i)) if isinstance(i, dict) else i for i in domain["intents"]}
    assert set(CONTRACT_INTENTS) | {FAQ_INTENT} <= intents
    faq_responses = {name.split("/", 1)[1] for name in domain.get("responses", {}) if name.startswith("utter_faq/")}
    assert faq_responses == set(FAQ_KEYS)
    labels = set()
    for path in (ROOT / "data").rglob("*.yml"):
        labels |= {label for _, label in load_examples(path)}
    assert set(CONTRACT_INTENTS) <= labels
    assert {f"{FAQ_INTENT}/{key}" for key in FAQ_KEYS} <= labels
