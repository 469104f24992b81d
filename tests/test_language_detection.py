"""The language identifier's decisions (the real Lingua models), and the red flags in other languages.

Short English chat, clinic terms and brand names must stay English; a message is marked
non-English only when the identifier is confident. None of these messages is training data.
"""

from __future__ import annotations

import re

import pytest
from rasa.shared.nlu.training_data.message import Message

from nlu_components.language_detection import identify
from nlu_components.language_identifier import LanguageIdentifier
from nlu_components.medical_safety_net import MedicalSafetyNet
from nlu_components.red_flag_lexicon import find_red_flags

SHORT_ENGLISH = [
    "ok",
    "hiya",
    "thx",
    "ty x",
    "lol",
    "omg",
    "yes",
    "no",
    "sure",
    "ok thanks",
    "gotta go",
    "see ya later",
    "cheers m8",
    "microneedling?",
    "Dermapen",
    "SkinPen vs derma roller",
    "ECIT",
    "Inner-glow",
    "isotretinoin",
    "roaccutane ok?",
    "hydrafacial",
    "botox?",
    "Is Fraxel safe?",  # a brand the entity ruler does not know: Lingua had English at 0.00
    "is morpheus8 safe",
    "Is Vbeam laser safe?",
    "Does Profhilo work?",
    "Klarna?",
    "sign me up",
    "I'll come",
    "count me in",
    "r u open sat",
    "do u have whatsapp",
    "whats ur insta handle x",
    "hola! how much is microneedling",
    "merci! how long does it take",
    "Bonjour! Do you speak English?",
    "is it safe for my skin, gracias",
    "my name is Łukasz Kowalski",
    "I'm José, can I book for Saturday?",
    "naïve question: does it hurt",
    "Zoë O'Brien here",
    "¡hola! how much is microneedling?",  # an inverted mark, but English words
    "jo@example.com",
    "+44 7700 900123",
    "🙏🙏",
    "qwzx blorp fnargle",
    '/faq{"faq_key": "downtime"}',
]

# (language, message): messages a visitor might send in the commonest other languages.
FOREIGN = [
    ("es", "hola, ¿cuánto cuesta el microneedling?"),
    ("es", "buenos días, quisiera pedir una cita"),
    ("es", "¿tienen horario los sábados?"),
    ("es", "Hola, ¿hacen microneedling?"),  # two words left: Lingua alone was unsure (0.53)
    ("es", "¿Precio?"),  # one word, but only Spanish opens a question with ¿
    ("fr", "bonjour, je voudrais des informations"),
    ("fr", "combien coûte une séance de microneedling ?"),
    ("fr", "est-ce que ça fait mal ?"),
    ("de", "hallo, was kostet eine Behandlung?"),
    ("de", "wie lange dauert die Behandlung?"),
    ("de", "tut das weh?"),
    ("it", "ciao, quanto costa il microneedling?"),
    ("it", "dove si trova la clinica?"),
    ("pt", "olá, quanto custa o microagulhamento?"),
    ("pt", "onde fica a clínica?"),
    ("pl", "dzień dobry, ile kosztuje mikronakłuwanie?"),
    ("pl", "czy to boli?"),
    ("ro", "bună ziua, cât costă tratamentul?"),
    ("ro", "mulțumesc pentru informații"),
    ("ar", "مرحبا، كم سعر العلاج؟"),
    ("ur", "کلینک کہاں ہے؟"),
    ("hi", "नमस्ते, इलाज की कीमत क्या है?"),
    ("zh", "你好，微针多少钱？"),
]

CLINIC_TERMS = re.compile(r"microneedling|dermapen|skinpen|derma roller|ecit|inner-glow|isotretinoin|roaccutane", re.I)


def clinic_term_spans(text):
    """What the spaCy entity ruler marks in the real pipeline."""
    return [(m.start(), m.end()) for m in CLINIC_TERMS.finditer(text)]


@pytest.mark.parametrize("text", SHORT_ENGLISH)
def test_short_english_stays_english(text):
    guess = identify(text, clinic_term_spans(text))
    assert not guess.non_english and guess.code == "en", guess


@pytest.mark.parametrize("language, text", FOREIGN, ids=[f"{lang}:{t[:24]}" for lang, t in FOREIGN])
def test_other_languages_are_recognised(language, text):
    guess = identify(text, clinic_term_spans(text))
    assert guess.non_english and guess.code == language, guess
    assert 0.5 < guess.confidence <= 1.0


@pytest.mark.parametrize("text", ["hola", "bonjour", "gracias", "ciao", "danke"])
def test_a_single_foreign_word_is_too_short_to_tell(text):
    """English wins ties: one word (often borrowed) never decides."""
    assert not identify(text).non_english


@pytest.mark.parametrize(
    "text",
    ["Здравствуйте, сколько стоит?", "こんにちは、予約したいです", "안녕하세요", "Γεια σας"],
    ids=["ru", "ja", "ko", "el"],
)
def test_other_scripts_are_not_english_even_without_wording(text):
    guess = identify(text)
    assert guess.non_english and guess.code == "und"


def test_clinic_terms_are_masked_not_counted_as_english():
    text = "tengo pus y fiebre después del microneedling"
    assert identify(text, clinic_term_spans(text)).code == "es"


# --- the Rasa component --------------------------------------------------------------------


def parsed(text, intent, ranking, entities=()):
    message = Message(data={"text": text})
    message.set("intent", {"name": intent, "confidence": dict(ranking)[intent]}, add_to_output=True)
    message.set("intent_ranking", [{"name": n, "confidence": c} for n, c in ranking], add_to_output=True)
    message.set("entities", list(entities), add_to_output=True)
    return message


def naming_microneedling(text, intent, ranking):
    """A parsed message whose "microneedling" the entity ruler found (so it is masked)."""
    start = text.index("microneedling")
    entity = {"entity": "treatment", "value": "microneedling", "start": start, "end": start + len("microneedling")}
    return parsed(text, intent, ranking, [entity])


@pytest.fixture(scope="module")
def identifier():
    return LanguageIdentifier(LanguageIdentifier.get_default_config())


def test_a_foreign_message_becomes_non_english(identifier):
    message = naming_microneedling(
        "hola, ¿cuánto cuesta el microneedling?", "faq", [("faq", 0.6), ("greet", 0.35), ("medical_question", 0.05)]
    )
    identifier.process([message])
    intent = message.get("intent")
    assert intent["name"] == "non_english" and intent["confidence"] > 0.5
    ranking = message.get("intent_ranking")
    assert [item["name"] for item in ranking] == ["non_english", "faq", "greet", "medical_question"]
    assert sum(item["confidence"] for item in ranking) == pytest.approx(1.0)
    assert message.get("language")["code"] == "es" and message.as_dict(only_output_properties=True)["language"]


def test_the_classifier_saying_non_english_is_overruled_when_not_confident(identifier):
    message = parsed("sign me up", "non_english", [("non_english", 0.5), ("event_register", 0.4), ("inform", 0.1)])
    identifier.process([message])
    assert message.get("intent") == {"name": "event_register", "confidence": pytest.approx(0.8)}
    assert [item["name"] for item in message.get("intent_ranking")] == ["event_register", "inform"]
    assert message.get("language")["non_english"] is False


def test_english_is_left_alone(identifier):
    message = parsed("how much is it?", "ask_price", [("ask_price", 0.9), ("faq", 0.1)])
    identifier.process([message])
    assert message.get("intent")["name"] == "ask_price" and len(message.get("intent_ranking")) == 2


def test_urgent_stays_urgent_in_any_language(identifier):
    message = parsed(
        "j'ai très mal au visage depuis hier soir", "urgent_medical", [("urgent_medical", 0.7), ("faq", 0.3)]
    )
    identifier.process([message])
    assert message.get("intent")["name"] == "urgent_medical" and message.get("language")["code"] == "fr"


# --- red flags in other languages ----------------------------------------------------------

RED_FLAGS = [
    "tengo pus y fiebre después del microneedling",
    "mes lèvres gonflent et j'ai du mal à respirer",
    "ich habe Eiter und Fieber nach dem Microneedling",
    "ho la febbre alta da ieri sera",
    "estou com febre depois do tratamento",
    "mam gorączkę po zabiegu",
    "am febră și puroi după tratament",
    "عندي حمى بعد العلاج",
    "مجھے علاج کے بعد بخار ہے",
    "इलाज के बाद मुझे बुखार है",
    "治疗后我发烧了",
    "no para de sangrar desde esta mañana",
    "je vois flou depuis le soin",
]
NOT_RED_FLAGS = [
    "¿puedo usar ropa deportiva después?",  # "ropa" is Spanish for clothes, Polish for pus
    "微针非常疼吗？",  # "is micro-needling very painful?" is a general question
    "वापस कब आ सकती हूँ",
    "how much does microneedling cost",
    "I had a fever last year, is that a problem?",  # English: the spaCy entity ruler's job, not this list's
]


@pytest.mark.parametrize("text", RED_FLAGS)
def test_red_flags_in_other_languages_are_found(text):
    assert find_red_flags(text)


@pytest.mark.parametrize("text", NOT_RED_FLAGS)
def test_ordinary_messages_have_no_foreign_red_flag(text):
    assert find_red_flags(text) == []


@pytest.mark.parametrize("text", RED_FLAGS[:3])
def test_the_safety_net_makes_a_foreign_red_flag_urgent(identifier, text):
    message = parsed(text, "faq", [("faq", 0.7), ("greet", 0.3)])
    identifier.process([message])
    MedicalSafetyNet(MedicalSafetyNet.get_default_config()).process([message])
    assert message.get("intent")["name"] == "urgent_medical"
    assert "red flag" in message.get("safety_net")["reason"]


def test_a_short_foreign_courtesy_keeps_its_intent(identifier):
    """Borrowed thanks and greetings get the ordinary courteous answer; the language is still recorded."""
    message = parsed("merci beaucoup", "thank", [("thank", 0.9), ("non_english", 0.1)])
    identifier.process([message])
    assert message.get("intent")["name"] == "thank" and message.get("language")["code"] == "fr"


def test_a_longer_foreign_message_is_not_a_courtesy(identifier):
    message = parsed("merci beaucoup, c'est combien une séance ?", "thank", [("thank", 0.9), ("ask_price", 0.1)])
    identifier.process([message])
    assert message.get("intent")["name"] == "non_english"


def test_a_foreign_question_is_not_a_courtesy(identifier):
    """A greeting that asks something wants an answer the visitor can read, not a hello back."""
    message = naming_microneedling(
        "Hola, ¿hacen microneedling?", "greet", [("greet", 0.62), ("faq", 0.33), ("ask_hours", 0.05)]
    )
    identifier.process([message])
    assert message.get("intent")["name"] == "non_english" and message.get("language")["code"] == "es"
