"""The WordLlama featurizer of the embedding trial (issue #12 item 3), without a trained model.

Its tokenizer must give the ids the Llama-2 vocabulary in WordLlama's tokenizer JSON gives (a
wrong id looks up a wrong row, silently); its features must have the shapes DIET expects on a
real tokenized Rasa message and carry meaning; and the trial's config must differ from
config.yml by the featurizer alone, or the trial would not compare like with like.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
import yaml
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.wordllama_featurizer import (
    TOKENIZER,
    WordLlamaEmbeddings,
    WordLlamaFeaturizer,
    package_dir,
)
from ops.paths import ROOT

FEATURIZER = "nlu_components.wordllama_featurizer.WordLlamaFeaturizer"


@pytest.fixture(scope="module")
def embeddings() -> WordLlamaEmbeddings:
    return WordLlamaEmbeddings.load()


@pytest.fixture(scope="module")
def vocab() -> dict:
    return json.loads((package_dir() / TOKENIZER).read_text(encoding="utf-8"))["model"]["vocab"]


@pytest.fixture(scope="module")
def featurizer(embeddings) -> WordLlamaFeaturizer:
    return WordLlamaFeaturizer(WordLlamaFeaturizer.get_default_config(), "wordllama_featurizer", embeddings)


def tokenized(text: str) -> Message:
    message = Message(data={TEXT: text})
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process([message])
    return message


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


@pytest.mark.parametrize(
    "text, pieces",
    [
        ("how much does microneedling cost", ["▁how", "▁much", "▁does", "▁mic", "r", "one", "ed", "ling", "▁cost"]),
        (
            "what is the price of micro-needling",
            ["▁what", "▁is", "▁the", "▁price", "▁of", "▁micro", "-", "need", "ling"],
        ),
        ("my face is swollen and hot", ["▁my", "▁face", "▁is", "▁sw", "ol", "len", "▁and", "▁hot"]),
        ("Hello world", ["▁Hello", "▁world"]),
        # Not in the vocabulary: UTF-8 bytes (byte fallback) after a lone "▁".
        ("🙂 ok", ["▁", "<0xF0>", "<0x9F>", "<0x99>", "<0x82>", "▁ok"]),
    ],
)
def test_tokenizer_gives_the_vocabularys_ids(embeddings, vocab, text, pieces):
    assert embeddings.token_ids(text) == [vocab[piece] for piece in pieces]


def test_tokenizer_matches_llama2_and_adds_no_special_tokens(embeddings, vocab):
    # Llama-2's tokenizer gives [1, 15043, 3186] for "Hello world"; WordLlama leaves out <s> (1).
    assert embeddings.token_ids("Hello world") == [15043, 3186]
    assert (vocab["<unk>"], vocab["<s>"], vocab["</s>"]) == (0, 1, 2)
    assert embeddings.token_ids("") == []


def test_table_is_loaded_once_as_float32(embeddings):
    assert WordLlamaEmbeddings.load() is embeddings
    assert embeddings.table.shape == (32000, 256) and embeddings.table.dtype == np.float32
    assert np.isfinite(embeddings.table).all()


def test_the_wordllama_package_is_never_imported(featurizer):
    # Its __init__ needs numpy 2: the files are read without it.
    assert "wordllama" not in sys.modules


def test_features_on_a_tokenized_message(featurizer, embeddings):
    message = tokenized("How much does microneedling cost in London?")
    tokens = message.get(TOKENS_NAMES[TEXT])
    featurizer.process([message])
    sequence, sentence = message.get_dense_features(TEXT, ["wordllama_featurizer"])
    assert sequence.features.shape == (len(tokens), 256)
    assert sentence.features.shape == (1, 256)
    # A token's row is the average of its sub-token rows; the sentence is WordLlama's own pooling.
    microneedling = [token.text for token in tokens].index("microneedling")
    rows = embeddings.table[embeddings.token_ids("microneedling")]
    np.testing.assert_allclose(sequence.features[microneedling], rows.mean(axis=0), rtol=1e-5)
    whole = embeddings.table[embeddings.token_ids(message.get(TEXT).lower())].mean(axis=0)
    np.testing.assert_allclose(sentence.features[0], whole, rtol=1e-5)


def test_training_data_gets_the_same_features(featurizer):
    at_training, at_inference = tokenized("is it painful"), tokenized("is it painful")
    featurizer.process_training_data(TrainingData([at_training]))
    featurizer.process([at_inference])
    for trained, inferred in zip(
        at_training.get_dense_features(TEXT), at_inference.get_dense_features(TEXT), strict=True
    ):
        np.testing.assert_array_equal(trained.features, inferred.features)


def test_title_case_and_capitals_read_like_lower_case_unless_told_otherwise(embeddings):
    texts = ["How Much Does Microneedling Cost", "HOW MUCH DOES MICRONEEDLING COST", "how much does microneedling cost"]
    for lowercase, same in ((True, True), (False, False)):
        config = {**WordLlamaFeaturizer.get_default_config(), "lowercase": lowercase}
        messages = [tokenized(text) for text in texts]
        WordLlamaFeaturizer(config, "node_name", embeddings).process(messages)
        sentences = [message.get_dense_features(TEXT)[1].features for message in messages]
        assert all(np.array_equal(sentences[2], other) for other in sentences[:2]) is same


def test_alias_names_the_features(embeddings):
    config = {**WordLlamaFeaturizer.get_default_config(), "alias": "wordllama"}
    message = tokenized("hello there")
    WordLlamaFeaturizer(config, "node_name", embeddings).process([message])
    assert message.features_present(TEXT, ["wordllama"])


def test_similar_questions_are_closer_than_unrelated_ones(featurizer):
    texts = ["how much does microneedling cost", "what is the price of micro-needling", "my face is swollen and hot"]
    messages = [tokenized(text) for text in texts]
    featurizer.process(messages)
    price, cost, swollen = (message.get_dense_features(TEXT)[1].features[0] for message in messages)
    assert cosine(price, cost) > cosine(price, swollen) + 0.2
    assert cosine(price, cost) > cosine(cost, swollen) + 0.2


def test_only_mean_pooling():
    with pytest.raises(InvalidConfigException):
        WordLlamaFeaturizer.validate_config({**WordLlamaFeaturizer.get_default_config(), "pooling": "max"})


def test_trial_config_is_config_yml_plus_the_featurizer():
    project = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    trial = yaml.safe_load((ROOT / "config_trials" / "wordllama.yml").read_text(encoding="utf-8"))
    names = [component["name"] for component in trial["pipeline"]]
    assert names.count(FEATURIZER) == 1
    at = names.index(FEATURIZER)
    # After the tokenizer and every other featurizer, right before the intent classifier.
    assert names[at + 1] in {"DIETClassifier", "nlu_components.seed_ensemble.SeedEnsembleIntentClassifier"}
    assert all("Featurizer" not in name for name in names[at + 1 :])
    assert "SpacyTokenizer" in names[:at]
    without = {**trial, "pipeline": [c for c in trial["pipeline"] if c["name"] != FEATURIZER]}
    assert without == project
