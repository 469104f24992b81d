"""Parsing with the model `make test` trains (models/clinic.tar.gz), in-process, logs quiet."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, Iterable, List

import pytest

from ops.nlu_eval import predicted_label, quiet_rasa_logs
from ops.paths import MODEL


def parse_with_trained_model(texts: Iterable[str]) -> List[Dict[str, Any]]:
    """Rasa's parse data for each text; fails the test when there is no trained model."""
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make test` (it trains first)")
    from rasa.core.agent import Agent

    quiet_rasa_logs()  # Rasa logs every parsed text at debug level
    agent = Agent.load(str(MODEL))

    async def parse_all():
        return [await agent.parse_message(text) for text in texts]

    return asyncio.run(parse_all())


def labels_from_trained_model(texts: Iterable[str]) -> Dict[str, str]:
    """{text: the label the evaluation scores (an intent, or faq/<key>)}."""
    texts = list(texts)
    return dict(zip(texts, map(predicted_label, parse_with_trained_model(texts)), strict=True))
