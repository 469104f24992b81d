"""Intent classification by several DIET classifiers that differ only in their random seed.

One DIET run draws the line between a personal medical question and a general one in a place
the seed decides as much as the data does: on the real-question set, seeds 42, 7 and 1 of the
same pipeline gave medical recall 0.950, 0.988 and 0.975 and false escalation 0.035, 0.071 and
0.055 (README, "How far one training run can be trusted"). Averaging the members' confidences
keeps what the seeds agree on and steadies that line, and a change to the data is then judged
on more than one draw.

Each member is a plain `DIETClassifier` with this component's configuration and its own
`random_seed`; they are trained on the same featurised data one after the other and stored in
sub-directories of this component's resource, so Rasa's training cache and model archive treat
the ensemble as one component. At run time every member scores the message over all intents,
the confidences are averaged, and the message gets the averaged winner and ranking, as a single
DIETClassifier would set them (what each member said is kept in the parse data under
`intent_ensemble`, for staff and for debugging).
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.tensorflow.constants import RANDOM_SEED, RANKING_LENGTH
from rasa.utils.train_utils import create_data_generators

from nlu_components.answer_key_examples import without_answer_key_only

SEEDS_KEY = "seeds"
ENSEMBLE_KEY = "intent_ensemble"


class _MemberStorage:
    """The part of `ModelStorage` a DIETClassifier uses, mapped to a sub-directory of the
    ensemble's own resource: one resource for Rasa's cache and archive, one folder per member."""

    def __init__(self, storage: ModelStorage, parent: Resource) -> None:
        self._storage = storage
        self._parent = parent

    @contextlib.contextmanager
    def write_to(self, resource: Resource) -> Iterator[Path]:
        with self._storage.write_to(self._parent) as directory:
            member = directory / resource.name
            member.mkdir(parents=True, exist_ok=True)
            yield member

    @contextlib.contextmanager
    def read_from(self, resource: Resource) -> Iterator[Path]:
        with self._storage.read_from(self._parent) as directory:
            member = directory / resource.name
            if not member.is_dir():
                raise ValueError(f"no stored member '{resource.name}'")
            yield member


def average_rankings(rankings: List[List[Dict[Text, Any]]]) -> List[Dict[Text, Any]]:
    """The members' full rankings averaged per intent, highest first (ties by name, so the
    order never depends on dictionary order). A member that ranked nothing counts as zero."""
    totals: Dict[Text, float] = {}
    for ranking in rankings:
        for item in ranking:
            name = item.get(INTENT_NAME_KEY)
            if name is not None:
                totals[name] = totals.get(name, 0.0) + float(item.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
    members = max(len(rankings), 1)
    averaged = [{INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: total / members} for name, total in totals.items()]
    return sorted(averaged, key=lambda item: (-item[PREDICTED_CONFIDENCE_KEY], item[INTENT_NAME_KEY]))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class SeedEnsembleIntentClassifier(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**DIETClassifier.get_default_config(), SEEDS_KEY: [42, 7, 1]}

    @classmethod
    def required_packages(cls) -> List[Text]:
        return DIETClassifier.required_packages()

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        """Rasa's training cache keys a component by its configuration only: a change to how
        the members are trained or stored must not reuse an ensemble cached by older code."""
        return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()

    def __init__(self, config: Dict[Text, Any], members: List[DIETClassifier], resource: Resource) -> None:
        self._members = members
        self._resource = resource
        self._ranking_length = int(config.get(RANKING_LENGTH) or 0)
        self._member_seeds = self._seeds(config)

    @staticmethod
    def _seeds(config: Dict[Text, Any]) -> List[int]:
        seeds = list(config.get(SEEDS_KEY) or [])
        if not seeds or len(set(seeds)) != len(seeds) or not all(isinstance(seed, int) for seed in seeds):
            raise ValueError(f"'{SEEDS_KEY}' must be a non-empty list of distinct integers, got {seeds!r}")
        return seeds

    @classmethod
    def _member_config(cls, config: Dict[Text, Any], seed: int) -> Dict[Text, Any]:
        """DIET's configuration for one member: the ensemble's own, its seed, every intent ranked
        (an average over the top ten of each member would lose the tail that the safety net's
        second opinion reads)."""
        member = {key: copy.deepcopy(value) for key, value in config.items() if key != SEEDS_KEY}
        member[RANDOM_SEED] = seed
        member[RANKING_LENGTH] = 0
        return member

    @staticmethod
    def _member_resource(seed: int) -> Resource:
        return Resource(f"seed_{seed}")

    @classmethod
    def _assemble(
        cls, config, model_storage, resource, execution_context, member_from
    ) -> "SeedEnsembleIntentClassifier":
        """The ensemble with one member per seed, each made by `member_from` (DIET's create or
        load) on its own folder inside this component's resource."""
        storage = _MemberStorage(model_storage, resource)
        members = [
            member_from(cls._member_config(config, seed), storage, cls._member_resource(seed), execution_context)
            for seed in cls._seeds(config)
        ]
        return cls(config, members, resource)

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SeedEnsembleIntentClassifier":
        return cls._assemble(config, model_storage, resource, execution_context, DIETClassifier.create)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "SeedEnsembleIntentClassifier":
        return cls._assemble(config, model_storage, resource, execution_context, DIETClassifier.load)

    def train(self, training_data: TrainingData) -> Resource:
        """Every member on the same data, less the examples that teach only which FAQ answer
        fits (nlu_components/answer_key_examples.py): those are the ResponseSelector's."""
        training_data = without_answer_key_only(training_data)
        for member in self._members:
            member.train(training_data)
        return self._resource

    def _member_rankings(self, message: Message) -> Optional[List[List[Dict[Text, Any]]]]:
        """Every member's full ranking for the message, or None when it has no features (an empty
        text) or a member is untrained. The members share their featurizers, so the message's
        model input is built once and fed to each member's network (building it per member was
        1.2 ms of every 2.7 ms a member took; `make bench`)."""
        model_data = self._members[0]._create_model_data([message], training=False)
        if model_data.is_empty() or any(member.model is None for member in self._members):
            return None
        generator, _ = create_data_generators(model_data=model_data, batch_sizes=1, epochs=1, shuffle=False)
        batch = generator[0][0]
        rankings = []
        for member in self._members:
            _, ranking = member._predict_label(member.model._rasa_predict(batch))
            rankings.append(ranking)
        return rankings

    def _score(self, message: Message) -> Optional[List[Dict[Text, Any]]]:
        rankings = self._member_rankings(message)
        if not rankings or not all(rankings):
            return None
        message.set(
            ENSEMBLE_KEY,
            [
                {
                    "seed": seed,
                    INTENT_NAME_KEY: ranking[0].get(INTENT_NAME_KEY),
                    PREDICTED_CONFIDENCE_KEY: ranking[0].get(PREDICTED_CONFIDENCE_KEY, 0.0),
                }
                for seed, ranking in zip(self._member_seeds, rankings, strict=True)
            ],
            add_to_output=True,
        )
        return average_rankings(rankings)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            ranking = self._score(message)
            if ranking is None:
                # As DIETClassifier does for a message with no features (an empty or blank
                # text): no intent, so the FallbackClassifier answers it instead of nothing.
                message.set(INTENT, {INTENT_NAME_KEY: None, PREDICTED_CONFIDENCE_KEY: 0.0}, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [], add_to_output=True)
                continue
            winner = ranking[0]
            message.set(INTENT, dict(winner), add_to_output=True)
            message.set(
                INTENT_RANKING_KEY,
                ranking[: self._ranking_length] if self._ranking_length > 0 else ranking,
                add_to_output=True,
            )
        return messages
