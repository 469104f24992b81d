"""The seed ensemble: averaged rankings, checked configuration, and a real Rasa training run
whose archive (fresh and from Rasa's training cache) loads and parses with every member."""

from __future__ import annotations

import asyncio
import tarfile
from pathlib import Path

import pytest

from nlu_components.seed_ensemble import SeedEnsembleIntentClassifier, average_rankings


def ranking(*pairs):
    return [{"name": name, "confidence": confidence} for name, confidence in pairs]


def test_rankings_are_averaged_over_every_member():
    averaged = average_rankings(
        [
            ranking(("faq", 0.6), ("medical_question", 0.4)),
            ranking(("medical_question", 0.7), ("faq", 0.3)),
            ranking(("medical_question", 0.5), ("faq", 0.2), ("ask_price", 0.3)),
        ]
    )
    assert [item["name"] for item in averaged] == ["medical_question", "faq", "ask_price"]
    assert averaged[0]["confidence"] == pytest.approx(1.6 / 3)
    assert averaged[1]["confidence"] == pytest.approx(1.1 / 3)
    # A member that did not rank an intent counts as zero for it, not as absent.
    assert averaged[2]["confidence"] == pytest.approx(0.1)


def test_a_tie_is_broken_by_name_not_by_member_order():
    first = average_rankings([ranking(("faq", 0.5), ("affirm", 0.5))])
    second = average_rankings([ranking(("affirm", 0.5), ("faq", 0.5))])
    assert [i["name"] for i in first] == [i["name"] for i in second] == ["affirm", "faq"]


def test_no_ranking_at_all_averages_to_nothing():
    assert average_rankings([[], []]) == []


@pytest.mark.parametrize("seeds", [[], [1, 1], [1, "2"], None])
def test_seeds_must_be_distinct_integers(seeds):
    with pytest.raises(ValueError, match="seeds"):
        SeedEnsembleIntentClassifier._seeds({"seeds": seeds})


def test_each_member_is_diet_with_its_own_seed_and_a_full_ranking():
    config = {**SeedEnsembleIntentClassifier.get_default_config(), "seeds": [3, 5], "epochs": 7}
    member = SeedEnsembleIntentClassifier._member_config(config, 5)
    assert member["random_seed"] == 5 and member["ranking_length"] == 0 and member["epochs"] == 7
    assert "seeds" not in member


NLU = """version: "3.1"
nlu:
- intent: ask_price
  examples: |
    - how much does it cost
    - what is the price
    - how much is a session
    - price of microneedling
    - what do you charge
    - cost of a treatment
- intent: ask_hours
  examples: |
    - when are you open
    - opening hours
    - what time do you close
    - are you open on saturday
    - what are your hours
    - when do you open
- intent: greet
  examples: |
    - hello
    - hi there
    - good morning
    - hey
    - hiya
    - good evening
"""

CONFIG = """recipe: default.v1
language: en
assistant_id: seed-ensemble-test
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: nlu_components.seed_ensemble.SeedEnsembleIntentClassifier
    seeds: [3, 5]
    epochs: 30
    number_of_transformer_layers: 0
    entity_recognition: false
    constrain_similarities: true
    ranking_length: 2
policies: []
"""


def _train(tmp_path: Path, output: str) -> Path:
    from rasa.model_training import train_nlu

    (tmp_path / "nlu.yml").write_text(NLU)
    (tmp_path / "config.yml").write_text(CONFIG)
    archive = train_nlu(str(tmp_path / "config.yml"), str(tmp_path / "nlu.yml"), str(tmp_path / output))
    assert archive, "rasa did not produce a model"
    return Path(archive)


def _parse(archive: Path, text: str) -> dict:
    from rasa.core.agent import Agent

    async def parse():
        return await Agent.load(str(archive)).parse_message(text)

    return asyncio.run(parse())


@pytest.mark.rasa
def test_a_trained_ensemble_stores_loads_and_averages_its_members(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RASA_CACHE_DIRECTORY", str(tmp_path / "cache"))
    archives = [_train(tmp_path, "fresh"), _train(tmp_path, "cached")]  # the second from Rasa's cache
    for archive in archives:
        with tarfile.open(archive) as tar:
            stored = {Path(name).name for name in tar.getnames()}
        assert {"seed_3", "seed_5"} <= stored, f"members missing from {archive.name}"

        parsed = _parse(archive, "how much does a session cost")
        members = parsed["intent_ensemble"]
        assert [member["seed"] for member in members] == [3, 5]
        assert parsed["intent"]["name"] == "ask_price"
        assert all(member["name"] == "ask_price" for member in members)
        # Both members chose the winner: its confidence is the mean of theirs.
        assert parsed["intent"]["confidence"] == pytest.approx(sum(m["confidence"] for m in members) / 2)
        assert [item["name"] for item in parsed["intent_ranking"]][0] == "ask_price"
        assert len(parsed["intent_ranking"]) == 2  # the ensemble's ranking_length, not the members' full one
