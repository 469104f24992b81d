"""What visitors type: names, e-mail addresses, phone numbers, free text, references, context."""

from __future__ import annotations

import pytest
from action_harness import visitor_words

from clinic.errors import InvalidInput
from clinic.references import ALPHABET, new_reference, normalize_reference
from clinic.transcript import CONTEXT_MAX_MESSAGES, clean_context, conversation_context
from clinic.validation import (
    NAME_MAX_LENGTH,
    clean_text,
    country_code_of,
    parse_contact,
    strip_markup,
    truncate_text,
    validate_email,
    validate_name,
    validate_phone,
)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Jane", "Jane"),
        ("  jean-luc   picard ", "jean-luc picard"),
        ("Zoë O'Brien", "Zoë O'Brien"),
        ("José Álvarez 🌸", "José Álvarez 🌸"),
        ("Dr. Amara Okafor-Smith", "Dr. Amara Okafor-Smith"),
        ("李小龍", "李小龍"),
        ("<b>Anna</b>", "Anna"),
        ("<script>alert('x')</script>Mia", "Mia"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;Mia", "Mia"),  # entities spelling a tag
        ("Li<img src=x onerror=alert(1)>la", "Li la"),
        ("Sam\x00\x07 \u202eRay", "Sam Ray"),  # control and bidi-override characters
        ("Ava 👩‍⚕️", "Ava 👩‍⚕️"),  # a ZWJ emoji sequence survives whole
    ],
)
def test_good_names_are_cleaned(raw, expected):
    assert validate_name(raw) == expected


@pytest.mark.parametrize(
    "raw, reason",
    [
        ("", "empty"),
        ("   ", "empty"),
        ("<script>alert(1)</script>", "empty"),
        ("x" * (NAME_MAX_LENGTH + 1), "too_long"),
        ("🌸🌸🌸", "no_letters"),
        ("12345", "no_letters"),
        ("Ann 🌸🌸🌸🌸", "too_many_emoji"),
        ("jane@example.com", "not_a_name"),
        ("https://spam.example", "not_a_name"),
    ],
)
def test_bad_names_are_refused_with_a_reask(raw, reason):
    with pytest.raises(InvalidInput) as error:
        validate_name(raw)
    assert error.value.field == "name" and error.value.reason == reason
    assert error.value.message and "<" not in error.value.message
    assert "<" not in visitor_words(error.value)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("jane@example.com", "jane@example.com"),
        ("  Jane.Doe+clinic@Example.CO.UK ", "Jane.Doe+clinic@example.co.uk"),
        ("mailto:sam@example.org", "sam@example.org"),
        ("<ana@example.org>", "ana@example.org"),
        ("o'neil@example.ie", "o'neil@example.ie"),
        ("zoë@bücher.de".replace("zoë", "zoe"), "zoe@bücher.de"),  # international domain
        ("x@xn--bcher-kva.de", "x@xn--bcher-kva.de"),
    ],
)
def test_good_emails(raw, expected):
    assert validate_email(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "jane",
        "jane@",
        "@example.com",
        "jane@example",
        "jane@@example.com",
        "jane@exa mple.com",
        "jane..doe@example.com",
        ".jane@example.com",
        "jane.@example.com",
        "jane@-example.com",
        "jane@example.c",
        "jane@example.123",
        "<script>@example.com",
        "jane@example.com<script>",
        "a" * 65 + "@example.com",
        "j@" + "a" * 250 + ".com",
        "jane@exam_ple.com",
        "zoë@example.com",
    ],
)
def test_bad_emails(raw):
    with pytest.raises(InvalidInput) as error:
        validate_email(raw)
    assert error.value.field == "email"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("07700 900123", "+447700900123"),  # UK mobile
        ("020 7946 0123", "+442079460123"),  # UK London
        ("+44 20 7946 0123", "+442079460123"),
        ("+44 (0)20 7946 0123", "+442079460123"),  # UK "(0)" trunk prefix
        ("0044 7700 900123", "+447700900123"),
        ("(415) 555-2671", "+14155552671"),  # US typed nationally
        ("415.555.2671", "+14155552671"),
        ("1-415-555-2671", "+14155552671"),
        ("+1 212 555 0100", "+12125550100"),
        ("+33 1 23 45 67 89", "+33123456789"),  # elsewhere, international
        ("+353 85 123 4567", "+353851234567"),
    ],
)
def test_good_phones_become_e164(raw, expected):
    assert validate_phone(raw) == expected


def test_phone_default_country_follows_the_clinic():
    assert country_code_of("+44 20 7946 0555") == "44"
    assert country_code_of("+1 415 555 0100") == "1"
    assert country_code_of("+353 1 234 5678") == "353"
    assert country_code_of("020 7946 0555") == ""
    assert validate_phone("(415) 555-2671", default_country_code="1") == "+14155552671"
    assert validate_phone("06 12 34 56 78", default_country_code="33") == "+33612345678"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "12",
        "12345",
        "phone me",
        "+44 20 7946",
        "+44 020 7946 0123 99",
        "+1 115 555 2671",
        "0800-CALL-NOW",
        "+44+20",
        "44+2079460123",
        "555-2671",
        "+0 123 456 789",
        "1" * 20,
        "<script>alert(1)</script>",
        "+44 7700 900123 ext 5",
    ],
)
def test_bad_phones(raw):
    with pytest.raises(InvalidInput) as error:
        validate_phone(raw)
    assert (
        error.value.field == "phone" and "country code" in visitor_words(error.value) or error.value.reason == "empty"
    )


def test_parse_contact_takes_an_email_or_a_phone():
    assert parse_contact("jane@example.com").email == "jane@example.com"
    assert parse_contact("07700 900123").phone == "+447700900123"
    with pytest.raises(InvalidInput):
        parse_contact("jane@")
    with pytest.raises(InvalidInput):
        parse_contact("")


def test_free_text_is_cleaned_and_truncated_without_breaking_characters():
    assert clean_text("  hi\x00 there \u202e\n\nbye  ") == "hi there\n\nbye"
    assert clean_text("a\nb", multiline=False) == "a b"
    assert clean_text(None) == ""
    family = "👨‍👩‍👧"
    text = "ab" + family + "cd"
    for limit in range(1, len(text)):
        cut = truncate_text(text, limit)
        assert len(cut) <= limit and cut.endswith("…")
        assert family in cut or "\u200d" not in cut  # all of the emoji or none of it
    assert truncate_text("xe\u0301y", 3) == "x…"  # never separates an accent from its letter
    assert truncate_text("a🇬🇧🇫🇷", 4) == "a🇬🇧…"  # never half a flag
    assert strip_markup("<p>Hello <i>there</i></p>").split() == ["Hello", "there"]


def test_references_are_readable_and_forgiving():
    reference = new_reference("MED")
    assert reference.startswith("MED-") and all(char in ALPHABET for char in reference[4:])
    assert not set("01OILU") & set(ALPHABET)
    assert normalize_reference("med 7k3q") == "MED-7K3Q"
    assert normalize_reference(" MED-7K3Q ") == "MED-7K3Q"
    assert normalize_reference("MED7K3Q") == "MED-7K3Q"
    assert normalize_reference("MED-7K3") is None
    assert normalize_reference("MED-0000") is None  # 0 is not in the alphabet
    assert normalize_reference("hello there") is None


def test_context_keeps_the_last_messages_bounded():
    events = [{"event": "user", "text": f"message {n}", "timestamp": 1.0} for n in range(CONTEXT_MAX_MESSAGES + 20)]
    events.append({"event": "bot", "text": "x" * 5000})
    events.append({"event": "slot", "name": "email", "value": "a@b.c"})
    context = conversation_context(events)
    assert len(context) == CONTEXT_MAX_MESSAGES
    assert context[-1]["role"] == "assistant" and len(context[-1]["text"]) <= 500
    assert context[0]["text"] == "message 21"  # the oldest kept: 40 user messages + 1 bot, last 20 kept
    assert clean_context(
        [{"role": "hacker", "text": "x"}, {"role": "user", "text": ""}, {"role": "bot", "text": "ok"}]
    ) == [{"role": "assistant", "text": "ok", "at": None, "intent": None}]
