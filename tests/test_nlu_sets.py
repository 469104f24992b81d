"""The evaluation sets stay apart from the training data, and the real-question set stays honest.

Every set (held-out, blind, real, signs, fresh): no example repeats a training example under data/,
exactly or nearly (token-set Jaccard >= 0.8 over lower-cased words). The real set (tests/nlu_real.yml) also:
at least 300 examples, each with the http(s) address it was taken from, every source's site listed
in tests/nlu_real_sites.txt, none of those sites among the training side's sources
(data/real_voice_sources.txt), labels from the intent contract or FAQ keys domain.yml answers,
and the file loads in Rasa's own reader with the same examples. The general questions about
warning signs (tests/nlu_signs.yml) are held to the same sourcing and site separation, with
top-level labels only (`faq` or `out_of_scope`: none of them is a medical question).
"""

from __future__ import annotations

from collections import Counter

import pytest
import yaml

from ops.nlu_eval import load_annotated_examples, load_examples
from ops.nlu_sets import (
    CONTRACT_INTENTS,
    EVALUATION_SETS,
    NEAR_DUPLICATE_JACCARD,
    REAL_SITES,
    TRAINING_SOURCES,
    Clash,
    TrainingIndex,
    read_list,
    registrable_domain,
    site_of,
)
from ops.paths import ROOT

REAL = EVALUATION_SETS["real"]
SIGNS = EVALUATION_SETS["signs"]
FRESH = EVALUATION_SETS["fresh"]
SMALLEST = {"holdout": 200, "blind": 200, "real": 300, "signs": 100, "fresh": 140}


@pytest.fixture(scope="module")
def training() -> TrainingIndex:
    index = TrainingIndex.from_data()
    assert len(index.texts) > 1000, "data/ should hold the training examples"
    return index


@pytest.fixture(scope="module")
def real_examples():
    return load_annotated_examples(REAL)


@pytest.mark.parametrize("name", sorted(EVALUATION_SETS))
def test_evaluation_sets_are_not_training_data(name, training):
    examples = load_examples(EVALUATION_SETS[name])
    assert len(examples) >= SMALLEST[name]
    clashes = [clash for text, _ in examples for clash in training.clashes(text)]
    # The training side is what to change; the evaluation text is never printed, so the sets stay unread.
    training_side = [(clash.training_file, clash.training_text, round(clash.jaccard, 2)) for clash in clashes]
    assert training_side == [], f"these training examples repeat or nearly repeat {name} examples"


def test_near_duplicates_are_found_through_the_index():
    index = TrainingIndex([("How long is the downtime after microneedling?", "a.yml"), ("where do I park", "b.yml")])
    # 6 shared words of 7 in all: Jaccard 0.86
    assert [clash.training_file for clash in index.clashes("how long is downtime after microneedling")] == ["a.yml"]
    # Case and punctuation do not hide an exact repeat.
    assert index.clashes("WHERE DO I PARK") == [Clash("WHERE DO I PARK", "where do I park", "b.yml", 1.0)]
    # 4 shared words of 8 in all: 0.5, below the threshold.
    assert index.clashes("how long is the redness") == []
    assert NEAR_DUPLICATE_JACCARD == 0.8


def test_real_set_is_large_and_without_repeats(real_examples):
    assert len(real_examples) >= 300
    repeated = [text for text, count in Counter(text.lower() for text, _, _ in real_examples).items() if count > 1]
    assert repeated == []


def test_every_real_question_names_its_http_source(real_examples):
    unsourced = [text for text, _, metadata in real_examples if not site_of(str(metadata.get("source") or ""))]
    assert unsourced == []


def test_every_real_source_site_is_listed(real_examples):
    listed = set(read_list(REAL_SITES))
    unlisted = sorted({site_of(metadata["source"]) for _, _, metadata in real_examples} - listed)
    assert unlisted == [], f"add these sites to {REAL_SITES.name}: {unlisted}"


def test_listed_sites_are_registrable_domains_in_order():
    sites = read_list(REAL_SITES)
    assert sites == sorted(set(sites)), "one site a line, sorted, no repeats"
    assert [site for site in sites if registrable_domain(site) != site] == []


def test_no_real_set_site_feeds_the_training_data():
    training_sites = {site_of(url) for url in read_list(TRAINING_SOURCES)} - {None}
    shared = sorted(training_sites & set(read_list(REAL_SITES)))
    assert shared == [], f"sites used by both the real evaluation set and the training data: {shared}"


def test_real_set_labels_are_contract_intents_or_answered_faq_keys(real_examples):
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert CONTRACT_INTENTS <= set(domain["intents"])
    faq_keys = {name.split("/", 1)[1] for name in domain["responses"] if name.startswith("utter_faq/")}
    labels = {label for _, label, _ in real_examples}
    unknown = sorted(
        label
        for label in labels
        if label not in CONTRACT_INTENTS and not (label.startswith("faq/") and label[4:] in faq_keys)
    )
    assert unknown == []
    # Every FAQ answer is asked about, and the medical line is well represented.
    counts = Counter(label for _, label, _ in real_examples)
    assert {key for key in faq_keys if counts[f"faq/{key}"] == 0} == set()
    assert counts["medical_question"] >= 60 and counts["urgent_medical"] >= 15


def test_real_set_loads_in_rasa_with_the_same_examples(real_examples):
    from rasa.shared.nlu.training_data.loading import load_data

    loaded = load_data(str(REAL)).training_examples
    as_rasa_reads_it = [
        (message.get("text"), message.get("intent_response_key") or message.get("intent")) for message in loaded
    ]
    assert as_rasa_reads_it == [(text, label) for text, label, _ in real_examples]
    assert all(message.get("metadata", {}).get("example", {}).get("source") for message in loaded)


def _assert_unrepeated_sourced_and_listed(examples):
    """A set of real questions: no question twice, each with its http(s) page, every site listed."""
    assert [text for text, count in Counter(t.lower() for t, _, _ in examples).items() if count > 1] == []
    sites = {site_of(str(metadata.get("source") or "")) for _, _, metadata in examples}
    assert None not in sites, "every question names the http(s) page it was taken from"
    assert sorted(sites - set(read_list(REAL_SITES))) == [], f"add these sites to {REAL_SITES.name}"


def test_signs_set_is_sourced_listed_and_general():
    examples = load_annotated_examples(SIGNS)
    assert len(examples) >= 100
    assert {label for _, label, _ in examples} == {"faq", "out_of_scope"}
    _assert_unrepeated_sourced_and_listed(examples)


def test_fresh_set_is_sourced_listed_and_labelled_by_the_contract():
    examples = load_annotated_examples(FRESH)
    assert len(examples) >= 140
    _assert_unrepeated_sourced_and_listed(examples)
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    faq_keys = {name.split("/", 1)[1] for name in domain["responses"] if name.startswith("utter_faq/")}
    labels = {label for _, label, _ in examples}
    answered = CONTRACT_INTENTS | {f"faq/{key}" for key in faq_keys}
    unknown = [label for label in labels if label not in answered]
    assert sorted(unknown) == []
    # Both sides of the medical line are there: personal questions, and harmless ones to escalate wrongly.
    counts = Counter(label for _, label, _ in examples)
    assert counts["medical_question"] >= 15 and sum(counts.values()) - counts["medical_question"] >= 100
