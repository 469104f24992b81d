"""Examples marked `answer_key_only` teach the FAQ ResponseSelector and leave the intent model
exactly as it would be without them (nlu_components/answer_key_examples.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from nlu_components.answer_key_examples import (
    AnswerKeyAwareCountVectorsFeaturizer,
    is_answer_key_only,
    without_answer_key_only,
)

ORDINARY = """version: "3.1"
nlu:
- intent: ask_price
  examples: |
    - how much does it cost
    - what is the price of a session
    - is it worth the price you charge
    - what do you charge for microneedling
    - cost of a treatment
    - how much is it
- intent: greet
  examples: |
    - hello
    - hi there
    - good morning
    - hey
    - hiya
    - good evening
- intent: faq/microneedling_results
  examples: |
    - how long do the results last
    - when will I see results
    - what results can I expect
    - do results of microneedling show quickly
    - how soon are results visible
    - are the results permanent
- intent: faq/microneedling_what
  examples: |
    - what is microneedling
    - what does microneedling involve
    - what is it exactly
    - tell me what microneedling is
    - what is a dermapen
    - microneedling what is that
"""

# Between ordinary blocks on purpose: the intent model must see the others in the same order.
KEY_ONLY = """- intent: faq/microneedling_results
  metadata:
    answer_key_only: true
  examples: |
    - is microneedling worth it
    - is it really worth it
    - microneedling worth it or not
    - worth it? what is the verdict
    - is it worth it for microneedling
    - microneedling is it worth it
"""

WITH_KEY_ONLY = ORDINARY.replace("- intent: greet", KEY_ONLY + "- intent: greet")

DOMAIN = """version: "3.1"
intents: [ask_price, greet, faq]
responses:
  utter_faq/microneedling_results:
    - text: "Results build over one to three months."
  utter_faq/microneedling_what:
    - text: "Micro-needling makes tiny punctures that the skin repairs."
"""

CONFIG = """recipe: default.v1
language: en
assistant_id: answer-key-examples-test
pipeline:
  - name: WhitespaceTokenizer
  - name: nlu_components.answer_key_examples.AnswerKeyAwareLexicalSyntacticFeaturizer
  - name: nlu_components.answer_key_examples.AnswerKeyAwareCountVectorsFeaturizer
  - name: nlu_components.answer_key_examples.AnswerKeyAwareCountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 2
    max_ngram: 4
  - name: nlu_components.seed_ensemble.SeedEnsembleIntentClassifier
    seeds: [3, 5]
    epochs: 30
    number_of_transformer_layers: 0
    entity_recognition: false
    constrain_similarities: true
  - name: nlu_components.faq_response_selector.FaqResponseSelector
    retrieval_intent: faq
    epochs: 60
    constrain_similarities: true
    random_seed: 42
policies: []
"""

PROBES = [
    "is microneedling worth it",
    "how much does microneedling cost",
    "hello there",
    "what is microneedling and is it worth it",
    "when do the results show",
]


def _read(yaml_text: str):
    return RasaYAMLReader().reads(yaml_text)


def test_a_marked_block_is_answer_key_only_and_nothing_else_is():
    data = _read(WITH_KEY_ONLY)
    marked = [m.get("text") for m in data.training_examples if is_answer_key_only(m)]
    assert marked == [line[6:] for line in KEY_ONLY.splitlines() if line.startswith("    - ")]
    other = _read(ORDINARY.replace("- intent: greet", KEY_ONLY.replace("true", "false") + "- intent: greet"))
    assert not any(is_answer_key_only(m) for m in other.training_examples)


def test_the_intent_model_sees_the_ordinary_examples_in_their_order():
    kept = [m.get("text") for m in without_answer_key_only(_read(WITH_KEY_ONLY)).training_examples]
    assert kept == [m.get("text") for m in _read(ORDINARY).training_examples]


def test_the_vocabulary_is_learnt_from_ordinary_examples_only(tmp_path):
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer

    def vocabulary(yaml_text: str, directory: Path) -> dict:
        directory.mkdir()
        data = _read(yaml_text)
        WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process_training_data(data)
        featurizer = AnswerKeyAwareCountVectorsFeaturizer.create(
            AnswerKeyAwareCountVectorsFeaturizer.get_default_config(),
            LocalModelStorage(directory),
            Resource("vectors"),
            ExecutionContext(GraphSchema({}), "test"),
        )
        featurizer.train(data)
        featurizer.process_training_data(data)
        worth_it = [m for m in data.training_examples if m.get("text") == "is microneedling worth it"]
        for message in worth_it:  # a key-only example is featurized with the words the others know
            _, sentence = message.get_sparse_features("text")
            assert sentence is not None and sentence.features.sum() > 0
        return featurizer.vectorizers["text"].vocabulary_

    plain = vocabulary(ORDINARY, tmp_path / "plain")
    marked = vocabulary(WITH_KEY_ONLY, tmp_path / "marked")
    assert plain == marked
    assert "verdict" not in marked  # only a key-only example has it


def _train(tmp_path: Path, nlu: str, output: str) -> Path:
    from rasa.model_training import train_nlu

    folder = tmp_path / output
    folder.mkdir()
    (folder / "nlu.yml").write_text(nlu)
    (folder / "domain.yml").write_text(DOMAIN)
    (folder / "config.yml").write_text(CONFIG)
    archive = train_nlu(
        str(folder / "config.yml"), str(folder / "nlu.yml"), str(folder / "model"), domain=str(folder / "domain.yml")
    )
    assert archive, "rasa did not produce a model"
    return Path(archive)


def _parse_all(archive: Path, texts) -> list:
    from rasa.core.agent import Agent

    async def parse():
        agent = Agent.load(str(archive))
        return [await agent.parse_message(text) for text in texts]

    return asyncio.run(parse())


@pytest.mark.rasa
def test_answer_key_examples_teach_the_selector_and_leave_the_intent_model_as_it_was(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RASA_CACHE_DIRECTORY", str(tmp_path / "cache"))
    without = _parse_all(_train(tmp_path, ORDINARY, "without"), PROBES)
    with_them = _parse_all(_train(tmp_path, WITH_KEY_ONLY, "with"), PROBES)

    for before, after in zip(without, with_them, strict=True):
        ranked_before = [(item["name"], item["confidence"]) for item in before["intent_ranking"]]
        ranked_after = [(item["name"], item["confidence"]) for item in after["intent_ranking"]]
        assert [name for name, _ in ranked_after] == [name for name, _ in ranked_before], before["text"]
        assert [c for _, c in ranked_after] == pytest.approx([c for _, c in ranked_before], abs=1e-6), before["text"]

    selected = with_them[0]["response_selector"]["faq"]["response"]["intent_response_key"]
    assert selected == "faq/microneedling_results"
