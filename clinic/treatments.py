"""Which treatments a message names: those the clinic does not offer, and the clinic's own topics.

Two servers need the same answer. The NLU pipeline's `TreatmentScope`
(nlu_components/treatment_scope.py) sends an FAQ reading of a question about a treatment the
clinic does not offer to `out_of_scope`, and the action server's out-of-scope reply names that
treatment and says what the clinic does offer (actions/scope.py). So the word lists live here,
once.
"""

from __future__ import annotations

import re
from typing import Optional

# Treatments the clinic does not offer, as visitors write them (PRODUCT.md: Botox, fillers,
# lasers, peels; and the facials and resurfacing treatments compared with micro-needling).
OTHER_TREATMENTS = re.compile(
    r"\b(?:botox|botulinum|dysport|xeomin|(?:dermal |lip |cheek |under[- ]?eye )?fillers?|juvederm|restylane"
    r"|profhilo|sculptra|lasers?|fraxel|co2 resurfacing|ipl|intense pulsed light|photofacials?"
    r"|(?:chemical |aha |bha |tca |glycolic |salicylic |jessner )?peels?|microdermabrasion|micro[- ]dermabrasion"
    r"|hydra ?facials?|hydrating facials?|dermaplan(?:e|ed|ing)|led (?:light )?(?:therapy|facials?|masks?)"
    r"|thread lifts?|hifu|ultherapy|morpheus8|kybella|cool ?sculpting|tattoo removal|waxing|laser hair removal)\b",
    re.IGNORECASE,
)

# What the FAQ answers are about: micro-needling under its names, brands and home devices, the
# clinic's programme, and acne.
CLINIC_TOPICS = re.compile(
    r"\b(?:micro[- ]?needl\w*|needling|derma[- ]?(?:roll\w*|pen\w*|stamp\w*|needl\w*)|skin ?pen|collagen induction"
    r"|ecit|epidermal collagen|inner[- ]glow|acne|spots?|pimples?|zits?|breakouts?|blackheads?|whiteheads?"
    r"|scars?|scarring)\b",
    re.IGNORECASE,
)


def names_other_treatment_only(text: str) -> bool:
    """True when the text names a treatment the clinic does not offer and nothing the FAQ is about."""
    return bool(OTHER_TREATMENTS.search(text)) and not CLINIC_TOPICS.search(text)


# How brand names and abbreviations are written when the assistant repeats them; any other
# match is repeated in lower case as typed ("lip fillers", "chemical peels").
DISPLAY_NAMES = {
    "botox": "Botox",
    "dysport": "Dysport",
    "xeomin": "Xeomin",
    "juvederm": "Juvederm",
    "restylane": "Restylane",
    "profhilo": "Profhilo",
    "sculptra": "Sculptra",
    "fraxel": "Fraxel",
    "co2 resurfacing": "CO2 resurfacing",
    "ipl": "IPL",
    "hifu": "HIFU",
    "ultherapy": "Ultherapy",
    "morpheus8": "Morpheus8",
    "kybella": "Kybella",
    "coolsculpting": "CoolSculpting",
    "cool sculpting": "CoolSculpting",
    "hydrafacial": "HydraFacial",
    "hydrafacials": "HydraFacials",
    "hydra facial": "HydraFacial",
}


def other_treatment_named(text: str) -> Optional[str]:
    """The first treatment the clinic does not offer that ``text`` names, as the assistant should
    write it ("Botox", "lip fillers"), or None."""
    match = OTHER_TREATMENTS.search(" ".join((text or "").split()))
    if not match:
        return None
    words = " ".join(match.group(0).lower().split())
    if words.startswith("led "):
        return "LED " + words[4:]
    return DISPLAY_NAMES.get(words, words)
