"""Is a visitor's message in English? Decided only when confident; English wins every tie.

The assistant answers in English. A message confidently in another language gets a polite
reply in English and, where we have the wording, in the visitor's language (actions/languages.py).
Getting this wrong on an English message is worse than missing a foreign one: an English
visitor told "we answer in English" has been misunderstood. So:

* Clinic terms, brand names and medicines are masked before detection (the spaCy entity
  ruler's spans: "microneedling" or "Dermapen" say nothing about the language), and so are
  links, addresses, handles and numbers.
* A message mostly in another script (Arabic, Devanagari, Chinese, Cyrillic...) is not
  English. Its language is named by Lingua for the scripts of languages we have wording for,
  otherwise it is "und" (undetermined): the reply is then in English only.
* A Latin-script message needs at least `MIN_WORDS` words left, and Lingua's confidence that
  it is one of the commonest Latin-script languages of a UK/US clinic's visitors (Spanish,
  French, German, Italian, Portuguese, Polish, Romanian) must beat English clearly. One- and
  two-word messages ("ok", "thx", "hiya", "gotta go") stay English unless the two words are
  unmistakable ("muchas gracias"), or the message opens a question or an exclamation the Spanish
  way ("Hola, ¿hacen microneedling?": Lingua is only 0.53 sure of "Hola hacen"); no English
  writer types "¿" or "¡".

Lingua (lingua-language-detector, Apache-2.0) carries its language models inside its wheel:
nothing is fetched at run time. The detector is built once per process (a few seconds and
about 330 MB with the high-accuracy models of these languages preloaded; ~0.2 ms a message).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import asdict, dataclass
from typing import Any, Dict, Iterable, Optional, Tuple

ENGLISH = "en"
UNDETERMINED = "und"

# Languages Lingua chooses between (ISO 639-1). Latin script: English and the commonest
# other languages of a UK/US clinic's visitors. Other scripts: the languages with wording.
LATIN_SCRIPT_LANGUAGES = ("en", "es", "fr", "de", "it", "pt", "pl", "ro")
OTHER_SCRIPT_LANGUAGES = ("ar", "ur", "fa", "hi", "zh")

# Latin script: thresholds measured on the project's 2,272 English training messages (no
# false alarm at these values) and hand-written messages in each language (tests/).
MIN_WORDS = 2
TWO_WORD_MIN_CONFIDENCE = 0.9  # the best other language's confidence, for two-word messages
TWO_WORD_MAX_ENGLISH = 0.05
MIN_CONFIDENCE = 0.5  # the best other language's confidence, three words or more
MAX_ENGLISH = 0.3  # English's confidence must stay below this
CLEARLY_NOT_ENGLISH = 0.12  # ...or English this unlikely, with the leading other language at least
CLEARLY_NOT_ENGLISH_MIN_OTHER = 0.3  # this sure ("Is Fraxel safe?": English 0.00, Romanian only 0.24)
# Spanish alone opens a question or an exclamation with an inverted mark.
SPANISH_MARKS = re.compile(r"[¿¡]")
SPANISH_MARKS_CONFIDENCE = 0.95
# Another script: the share of letters that must be in it.
MIN_OTHER_SCRIPT_SHARE = 0.6

# Common English words that are not words of the other languages above (so not "a", "i",
# "in", "no", "do", "to", "me", "so", "am", "an", "die", "was", "will", "or", "he"). A
# message with at least two of them, making up a third of its words, is English whatever
# the letters of a name in it suggest ("my name is Łukasz Kowalski").
ENGLISH_MARKERS = frozenset(
    """
    the my your you is are what how much can could does did this that these those with have has
    for and of it its it's i'm i'll i've i'd don't can't please thanks thank when where why which
    who would should there their about after before just get got want need like hi hello hey name
    price cost book any some from been not our we they she his her if be
    """.split()
)
ENGLISH_MARKER_SHARE = 1 / 3

_NOISE = re.compile(r"https?://\S+|www\.\S+|\S+@\S+|[@#]\w+|\d+")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


@dataclass(frozen=True)
class LanguageGuess:
    code: str  # ISO 639-1 code, or "und" for a script we have no language for
    non_english: bool  # True only when confident
    confidence: float  # how sure that the message is not English (0 when English)
    reason: str
    words: int = 0  # words left after masking clinic terms, links and numbers

    def as_dict(self) -> Dict[str, Any]:
        data = asdict(self)
        data["confidence"] = round(self.confidence, 3)
        return data


def _script(char: str) -> str:
    name = unicodedata.name(char, "")
    if name.startswith("LATIN"):
        return "LATIN"
    return name.split(" ", 1)[0] or "UNKNOWN"


def mask(text: str, spans: Iterable[Tuple[int, int]] = ()) -> str:
    """``text`` with the given character spans (clinic terms) and links, addresses, numbers blanked."""
    chars = list(text)
    for start, end in spans:
        for index in range(max(0, start), min(len(chars), end)):
            chars[index] = " "
    return _NOISE.sub(" ", "".join(chars))


@functools.lru_cache(maxsize=1)
def _detector():
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, code.upper()) for code in LATIN_SCRIPT_LANGUAGES + OTHER_SCRIPT_LANGUAGES]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).with_preloaded_language_models().build()


def load() -> None:
    """Build the detector now (at model load) rather than on the first visitor's message."""
    _detector()


def _confidences(text: str) -> Dict[str, float]:
    return {
        value.language.iso_code_639_1.name.lower(): value.value
        for value in _detector().compute_language_confidence_values(text)
    }


def _best_other(confidences: Dict[str, float]) -> Tuple[Optional[str], float]:
    others = [(value, code) for code, value in confidences.items() if code != ENGLISH]
    if not others:
        return None, 0.0
    value, code = max(others)
    return code, value


def identify(text: str, masked_spans: Iterable[Tuple[int, int]] = ()) -> LanguageGuess:
    """The language of a visitor's message; ``masked_spans`` are clinic terms to ignore."""
    if not text or text.lstrip().startswith("/"):  # a button payload (/intent{...})
        return LanguageGuess(ENGLISH, False, 0.0, "no text")
    cleaned = mask(text, masked_spans)
    letters = [char for char in cleaned if char.isalpha()]
    if not letters:
        return LanguageGuess(ENGLISH, False, 0.0, "no letters")
    scripts: Dict[str, int] = {}
    for char in letters:
        script = _script(char)
        scripts[script] = scripts.get(script, 0) + 1
    other_script, other_count = max(
        ((script, count) for script, count in scripts.items() if script != "LATIN"),
        key=lambda item: item[1],
        default=("", 0),
    )
    share = other_count / len(letters)
    if share >= MIN_OTHER_SCRIPT_SHARE:
        code, best = _best_other(_confidences(cleaned))
        words = len(cleaned.split())
        return LanguageGuess(code if best > 0 else UNDETERMINED, True, share, f"{other_script.lower()} script", words)
    words = [word.lower() for word in _WORD.findall(cleaned)]
    english_words = sum(1 for word in words if word.replace("’", "'") in ENGLISH_MARKERS)
    if words and SPANISH_MARKS.search(cleaned) and english_words < ENGLISH_MARKER_SHARE * len(words):
        return LanguageGuess("es", True, SPANISH_MARKS_CONFIDENCE, "Spanish punctuation (¿ ¡)", len(words))
    if len(words) < MIN_WORDS:
        return LanguageGuess(ENGLISH, False, 0.0, "too short to tell", len(words))
    if english_words >= 2 and english_words >= ENGLISH_MARKER_SHARE * len(words):
        return LanguageGuess(ENGLISH, False, 0.0, f"{english_words} English words of {len(words)}", len(words))
    confidences = _confidences(cleaned)
    english = confidences.get(ENGLISH, 0.0)
    code, best = _best_other(confidences)
    if code is None or best <= english:
        return LanguageGuess(ENGLISH, False, 0.0, f"English {english:.2f}", len(words))
    if len(words) == MIN_WORDS:
        confident = best >= TWO_WORD_MIN_CONFIDENCE and english <= TWO_WORD_MAX_ENGLISH
    else:
        clearly_other = english <= CLEARLY_NOT_ENGLISH and best >= CLEARLY_NOT_ENGLISH_MIN_OTHER
        confident = clearly_other or (best >= MIN_CONFIDENCE and english <= MAX_ENGLISH)
    if not confident:
        return LanguageGuess(ENGLISH, False, 0.0, f"unsure: {code} {best:.2f}, English {english:.2f}", len(words))
    return LanguageGuess(code, True, 1.0 - english, f"{code} {best:.2f}, English {english:.2f}", len(words))
