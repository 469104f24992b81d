"""The FAQ answer is chosen wherever it can be used, and only there (nlu_components/faq_response_selector.py).

Runs the trained model over the held-out set: a message whose intent ends up `faq`, and every
message with `faq` among its likeliest intents, carries the ResponseSelector's choice; the others
were spared the network. The clarifying question's topics come out as they did with Rasa's own
selector, which ran on every message.
"""

from __future__ import annotations

import pytest
from trained_model import parse_with_trained_model

from actions.topics import topic_button
from actions.understanding import candidate_topics, ranked_intents
from nlu_components.faq_response_selector import FaqResponseSelector
from ops.nlu_eval import HOLDOUT, load_examples

pytestmark = pytest.mark.rasa  # parses with the trained model

WITHIN_TOP = FaqResponseSelector.get_default_config()["faq_within_top"]


@pytest.fixture(scope="module")
def parses():
    return parse_with_trained_model(text for text, _ in load_examples(HOLDOUT))


def _answered(parse):
    return bool(
        ((parse.get("response_selector") or {}).get("faq") or {}).get("response", {}).get("intent_response_key")
    )


def test_every_faq_message_has_its_answer(parses):
    faq = [p for p in parses if p["intent"]["name"] == "faq"]
    assert len(faq) > 50
    assert [p["text"] for p in faq if not _answered(p)] == []


def _faq_rank(parse):
    """Where `faq` stands among the intents (1 = first; None = not ranked). The final ranking may
    differ by one place from the classifier's the selector saw: the language identifier takes
    `non_english` out of it, the FallbackClassifier puts `nlu_fallback` in (left out here)."""
    names = [name for name, _ in ranked_intents(parse)]
    return names.index("faq") + 1 if "faq" in names else None


def _read_as_urgent(parse):
    """The classifiers' first choice was urgent: the selector runs for those too, because the net
    may find the question general and step down to an intent a price rule makes `faq`."""
    ranked = [item["name"] for item in parse.get("intent_ranking") or [] if item["name"] != "nlu_fallback"]
    return bool(ranked) and ranked[0] == "urgent_medical"


def test_the_selector_runs_where_faq_is_likely_and_nowhere_else(parses):
    ranks = [_faq_rank(p) for p in parses]
    skipped_though_likely = [
        p["text"] for p, r in zip(parses, ranks, strict=True) if r and r < WITHIN_TOP and not _answered(p)
    ]
    run_though_unlikely = [
        p["text"]
        for p, r in zip(parses, ranks, strict=True)
        if _answered(p) and not (r and r <= WITHIN_TOP + 1) and not _read_as_urgent(p)
    ]
    assert skipped_though_likely == [] and run_though_unlikely == []
    assert [p["text"] for p in parses if _read_as_urgent(p) and not _answered(p)] == []
    # The point of it: most messages are not FAQ questions and skip the network.
    assert sum(map(_answered, parses)) < 0.6 * len(parses)


def test_a_skipped_answer_could_never_have_been_a_clarifying_topic(parses):
    """The clarifying question offers the two likeliest topics it can show as buttons, an FAQ
    answer scored as the intent's confidence times the answer's. Where the selector was skipped,
    two such topics outrank even the `faq` intent's whole confidence, so no answer it could have
    chosen would have been offered: the buttons are what Rasa's own selector would have given."""
    for parse in (p for p in parses if not _answered(p)):
        faq_confidence = dict(ranked_intents(parse)).get("faq", 0.0)
        above = [name for name, confidence in ranked_intents(parse) if confidence > faq_confidence]
        assert len([name for name in above if name != "faq" and topic_button(name)]) >= 2, parse["text"]
        assert not any(topic.startswith("faq/") for topic in candidate_topics(parse))
