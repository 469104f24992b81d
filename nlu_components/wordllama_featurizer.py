"""Dense features from WordLlama's pretrained token embeddings (issue #12 item 3: a trial).

Why: the pipeline learns every word from the project's own ~2,300 examples, so a word it never
saw ("cost" where the data says "price") means nothing to it. WordLlama (MIT) is a 32000 x 256
token-embedding table distilled from a large language model's, over the Llama-2 vocabulary:
related words get nearby rows, at the price of a lookup (no PyTorch, no network).

Its inference, reproduced here (wordllama/inference.py): tokenize without special tokens, look
up the rows, average them over the tokens. This component gives DIET, beside the sparse
features, for a message's TEXT:

* sequence features: one 256-d row per Rasa token (the pipeline's tokenizer), the average of the
  WordLlama sub-token rows of that token's text, so the rows line up with the other
  featurizers' rows (DIET requires it);
* sentence features: the whole text's sub-token rows averaged, WordLlama's own sentence
  embedding (not normalised, as WordLlama's `embed` by default).

The package itself is never imported: its __init__ needs numpy 2 and pydantic 2, which Rasa 3.6
cannot use. requirements-embedding.txt installs its wheel without dependencies; the files are
found through the import system without importing, the table read with safetensors (numpy) and
the tokenizer JSON with `tokenizers`. Nothing is fetched at run time.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from typing import Any, ClassVar, Dict, List, Optional, Sequence, Text, Type

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.tensorflow.constants import MEAN_POOLING, POOLING

LOWERCASE = "lowercase"

PACKAGE = "wordllama"
WEIGHTS = Path("weights") / "l2_supercat_256.safetensors"
TOKENIZER = Path("tokenizers") / "l2_supercat_tokenizer_config.json"
TENSOR = "embedding.weight"


def package_dir() -> Path:
    """Where WordLlama's wheel is installed, found without importing it (its __init__ needs numpy 2)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"the {PACKAGE} wheel is not installed: `make setup` installs it (requirements-embedding.txt)"
        )
    return Path(list(spec.submodule_search_locations)[0])


class WordLlamaEmbeddings:
    """The token-embedding table and its tokenizer: WordLlama's inference without the package.

    Loaded once per process and weights file (`load`): every Rasa model and featurizer instance
    in a worker shares one 33 MB float32 table.
    """

    _cache: ClassVar[Dict[str, "WordLlamaEmbeddings"]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, weights: Path, tokenizer: Path) -> None:
        from safetensors import safe_open
        from tokenizers import Tokenizer as TokenizerJSON

        with safe_open(str(weights), framework="np") as tensors:
            # Stored as float16; WordLlama computes in float32.
            self.table = np.ascontiguousarray(tensors.get_tensor(TENSOR), dtype=np.float32)
        self.tokenizer = TokenizerJSON.from_file(str(tokenizer))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()

    @classmethod
    def load(cls, directory: Optional[Path] = None) -> "WordLlamaEmbeddings":
        directory = Path(directory) if directory else package_dir()
        key = str((directory / WEIGHTS).resolve())
        with cls._lock:
            if key not in cls._cache:
                cls._cache[key] = cls(directory / WEIGHTS, directory / TOKENIZER)
            return cls._cache[key]

    @property
    def dimensions(self) -> int:
        return int(self.table.shape[1])

    def token_ids(self, text: str) -> List[int]:
        """WordLlama's tokenization: no special tokens (<s> would add the same row to every text).

        One text at a time: the batch encoder's thread pool would be disabled, with a warning,
        in Sanic's forked workers.
        """
        return self.tokenizer.encode(text, add_special_tokens=False).ids

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dimensions): each text's sub-token rows averaged; zeros for a text with none."""
        rows = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        last = self.table.shape[0] - 1
        for index, text in enumerate(texts):
            ids = np.clip(np.asarray(self.token_ids(text), dtype=np.int64), 0, last)
            if ids.size:
                rows[index] = self.table[ids].mean(axis=0, dtype=np.float32)
        return rows


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class WordLlamaFeaturizer(DenseFeaturizer, GraphComponent):
    """Sequence and sentence features of a message's TEXT from WordLlama's embeddings (see the module)."""

    @classmethod
    def required_components(cls) -> List[Type]:
        """A tokenizer first: the sequence features have one row per Rasa token."""
        return [Tokenizer]

    @staticmethod
    def required_packages() -> List[Text]:
        return ["safetensors", "tokenizers"]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # `alias` (DenseFeaturizer's) names the features; `pooling` is the sentence feature's.
        # `lowercase`: Llama's vocabulary is cased ("MICRONEEDLING COST" and "microneedling cost"
        # share little), and visitors write in Title Case and capitals as often as not.
        return {**DenseFeaturizer.get_default_config(), POOLING: MEAN_POOLING, LOWERCASE: True}

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        """Only mean pooling: WordLlama's table was trained to be averaged, and that is its sentence embedding."""
        if config.get(POOLING, MEAN_POOLING) != MEAN_POOLING:
            raise InvalidConfigException(
                f"WordLlamaFeaturizer: pooling must be '{MEAN_POOLING}' (WordLlama's sentence embedding is "
                f"the average of its token rows), not '{config.get(POOLING)}'"
            )

    def __init__(self, config: Dict[Text, Any], name: Text, embeddings: Optional[WordLlamaEmbeddings] = None) -> None:
        super().__init__(name, config)
        self.lowercase = bool(config.get(LOWERCASE, True))
        self.embeddings = embeddings or WordLlamaEmbeddings.load()

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "WordLlamaFeaturizer":
        return cls(config, execution_context.node_name)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """The same features at training as at inference (nothing here is trained)."""
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._set_features(message)
        return messages

    def _set_features(self, message: Message) -> None:
        """Only TEXT: DIET and the ResponseSelector classify from it; labels keep their own features."""
        tokens = message.get(TOKENS_NAMES[TEXT])
        if not tokens:
            return
        fold = str.lower if self.lowercase else str
        sequence = self.embeddings.embed([fold(token.text) for token in tokens])
        sentence = self.embeddings.embed([fold(message.get(TEXT) or "")])
        self.add_features_to_message(sequence=sequence, sentence=sentence, attribute=TEXT, message=message)
