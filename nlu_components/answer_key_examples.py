"""Training examples that teach which FAQ answer fits, and nothing about the intent.

The ResponseSelector picks the FAQ answer for a message the intent classifier has already read
as `faq`, and on real visitors' questions the answer key is where most is lost ("is it worth
it?" answered with what micro-needling is, acne causes with acne treatments). More `faq`
examples would teach it, but every example also moves the intent classifier, and on real
questions a round of about a hundred examples moved the line between a general and a personal
medical question by a message or two either way, as a change of seed does (README, "NLU
evaluation"): rounds that taught the answer key better were dropped for a red flag lost by
chance.

So an example block may be marked as teaching the answer key only:

    - intent: faq/microneedling_results
      metadata:
        answer_key_only: true
      examples: |
        - Is It Worth It?

The featurizers build their vocabularies without such examples (they still featurize them,
with the words the other examples know), and the intent classifier trains without them, so
the intent model is exactly the one trained without them; only the `faq` ResponseSelector
learns from them. `tests/test_answer_key_examples.py` trains a pipeline both ways and compares.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Dict, Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer as RasaCountVectorsFeaturizer,
)
from rasa.nlu.featurizers.sparse_featurizer.lexical_syntactic_featurizer import (
    LexicalSyntacticFeaturizer as RasaLexicalSyntacticFeaturizer,
)
from rasa.nlu.utils.spacy_utils import SpacyModel
from rasa.shared.nlu.constants import METADATA, METADATA_INTENT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

ANSWER_KEY_ONLY = "answer_key_only"


def is_answer_key_only(message: Message) -> bool:
    """True for an example from a block marked `answer_key_only: true` (any other value, or
    none, is an ordinary example)."""
    metadata = message.get(METADATA) or {}
    block: Any = metadata.get(METADATA_INTENT) if isinstance(metadata, dict) else None
    return isinstance(block, dict) and block.get(ANSWER_KEY_ONLY) is True


def without_answer_key_only(training_data: TrainingData) -> TrainingData:
    """The training data as the intent model must see it: the same examples in the same order,
    less those that teach the answer key only (the data itself is left untouched)."""
    if not any(is_answer_key_only(message) for message in training_data.training_examples):
        return training_data
    return training_data.filter_training_examples(lambda message: not is_answer_key_only(message))


class _ThisModuleFingerprint:
    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        """Rasa's training cache keys a component by its configuration only: a change to which
        examples it learns from must not reuse a featurizer cached by older code."""
        return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class AnswerKeyAwareCountVectorsFeaturizer(_ThisModuleFingerprint, RasaCountVectorsFeaturizer):
    """Rasa's CountVectorsFeaturizer with a vocabulary learnt from ordinary examples only."""

    def train(self, training_data: TrainingData, model: Optional[SpacyModel] = None) -> Resource:
        return super().train(without_answer_key_only(training_data), model)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class AnswerKeyAwareLexicalSyntacticFeaturizer(_ThisModuleFingerprint, RasaLexicalSyntacticFeaturizer):
    """Rasa's LexicalSyntacticFeaturizer with feature values learnt from ordinary examples only."""

    def train(self, training_data: TrainingData) -> Resource:
        return super().train(without_answer_key_only(training_data))
