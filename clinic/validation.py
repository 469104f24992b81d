"""Checking and cleaning what visitors type: names, e-mail addresses, phone numbers, free text.

Each ``validate_*`` function returns the cleaned value or raises ``InvalidInput`` naming the
field and the reason (a code); the forms re-ask with the words domain.yml has for that code
(actions/wording.py). The forms call these; the ticket and registration functions call them
again, so nothing unchecked reaches the database.

Free text (messages, preferred times, conversation context) is kept as the visitor wrote it,
minus control and bidi-override characters, and truncated safely (never inside an emoji or
an accented letter). It is stored as plain text: whatever displays it must escape it (the
staff console's templates do; notification e-mails are plain text).
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from typing import Optional

from clinic.errors import InvalidInput

NAME_MAX_LENGTH = 80
NAME_MAX_EMOJI = 3
EMAIL_MAX_LENGTH = 254
MESSAGE_MAX_LENGTH = 2000
SHORT_TEXT_MAX_LENGTH = 500
ELLIPSIS = "…"

_ZWJ = "\u200d"
_KEPT_FORMAT_CHARS = {_ZWJ}  # joins emoji sequences (👩‍⚕️)
_TAG_CHARS = range(0xE0020, 0xE0080)  # spell subdivision flags (🏴󠁧󠁢󠁥󠁮󠁧󠁿)
_REGIONAL_INDICATORS = range(0x1F1E6, 0x1F200)
_SKIN_TONES = range(0x1F3FB, 0x1F400)
_SCRIPT_OR_STYLE = re.compile(r"<\s*(script|style)\b[^>]*>.*?(<\s*/\s*\1\s*>|$)", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^<>]*>")
_SPACES = re.compile(r"\s+")

_EMAIL_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_DOMAIN_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_TLD = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")

_PHONE_CHARS = re.compile(r"^[0-9+()\-./\s]+$")
# ITU country calling codes of one and two digits; every other code has three.
_ONE_DIGIT_CODES = {"1", "7"}
_TWO_DIGIT_CODES = {
    "20",
    "27",
    "30",
    "31",
    "32",
    "33",
    "34",
    "36",
    "39",
    "40",
    "41",
    "43",
    "44",
    "45",
    "46",
    "47",
    "48",
    "49",
    "51",
    "52",
    "53",
    "54",
    "55",
    "56",
    "57",
    "58",
    "60",
    "61",
    "62",
    "63",
    "64",
    "65",
    "66",
    "81",
    "82",
    "84",
    "86",
    "90",
    "91",
    "92",
    "93",
    "94",
    "95",
    "98",
}
_NO_TRUNK_ZERO = {"39"}  # Italy keeps its leading 0 after the country code


# --- free text -------------------------------------------------------------------------------


def _is_kept(char: str) -> bool:
    if char in "\n\t":
        return True
    category = unicodedata.category(char)
    if category in ("Cc", "Cs", "Co"):
        return False
    if category == "Cf":
        return char in _KEPT_FORMAT_CHARS or ord(char) in _TAG_CHARS
    return True


def _attaches_to_previous(char: str) -> bool:
    """True for characters that belong to the one before them (accents, joiners, modifiers)."""
    code = ord(char)
    return unicodedata.category(char) in ("Mn", "Me", "Mc") or char == _ZWJ or code in _SKIN_TONES or code in _TAG_CHARS


def truncate_text(value: str, limit: int) -> str:
    """``value`` cut to at most ``limit`` characters (ellipsis included), never inside a character cluster."""
    if len(value) <= limit:
        return value
    cut = max(0, limit - len(ELLIPSIS))
    while cut > 0 and (_attaches_to_previous(value[cut]) or value[cut - 1] == _ZWJ):
        cut -= 1
    head = value[:cut]
    trailing_flags = len(head) - len(head.rstrip("".join(chr(c) for c in _REGIONAL_INDICATORS)))
    if trailing_flags % 2:
        head = head[:-1]  # half a flag
    return head.rstrip() + ELLIPSIS


def clean_text(value: Optional[str], limit: int = MESSAGE_MAX_LENGTH, multiline: bool = True) -> str:
    """Free text made safe to store: NFC, no control or bidi characters, trimmed, truncated to ``limit``."""
    if not value:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    text = "".join(char for char in text if _is_kept(char))
    if not multiline:
        text = _SPACES.sub(" ", text)
    text = "\n".join(line.rstrip() for line in text.strip().splitlines()) if multiline else text.strip()
    return truncate_text(text, limit)


def strip_markup(value: str) -> str:
    """Text without HTML: script/style blocks dropped with their content, tags and angle brackets removed."""
    text = _SCRIPT_OR_STYLE.sub(" ", value)
    text = _TAG.sub(" ", text)
    text = html.unescape(text)
    text = _SCRIPT_OR_STYLE.sub(" ", text)  # entities may have spelled out a tag
    text = _TAG.sub(" ", text)
    return text.replace("<", " ").replace(">", " ")


# --- names -----------------------------------------------------------------------------------


def _is_emoji(char: str) -> bool:
    code = ord(char)
    return unicodedata.category(char) == "So" or code in _REGIONAL_INDICATORS


def _has_a_letter(text: str) -> bool:
    return any(unicodedata.category(char).startswith("L") for char in text)


def validate_name(value: Optional[str]) -> str:
    """A person's name: HTML and control characters removed, spaces collapsed, 1-80 characters with a letter."""
    text = clean_text(strip_markup(str(value or "")), limit=10 * NAME_MAX_LENGTH, multiline=False)
    if not text:
        raise InvalidInput("name", "empty")
    if len(text) > NAME_MAX_LENGTH:
        raise InvalidInput("name", "too_long", max_length=NAME_MAX_LENGTH)
    if "@" in text or "://" in text:
        raise InvalidInput("name", "not_a_name")
    if not _has_a_letter(text):
        raise InvalidInput("name", "no_letters")
    if sum(1 for char in text if _is_emoji(char)) > NAME_MAX_EMOJI:
        raise InvalidInput("name", "too_many_emoji")
    _refuse_non_names(text)
    return text


# Replies to "what's your name?" that are not a name: acknowledgements, greetings, thanks,
# refusals, fillers, and the request said again ("sign me up", "count me in"). None of them is
# a given name (names such as Will, Hope, Joy or Can are deliberately absent); a reply made only
# of these words is refused.
_NOT_A_NAME_WORDS = frozenset(
    """
    ok okay okey okie oki k kk alright allright right fine cool great good nice perfect lovely sure
    yes yeah yea yep yup ya yah aye no nope nah not thanks thank thankyou thanx thx ty tysm cheers ta
    please pls plz hi hello hey hiya heya helo yo morning afternoon evening bye goodbye sorry hmm hm
    um umm uh erm er lol idk dunno maybe whatever anything nothing none nobody na test testing name
    my your is it its it's me you i the a of do go sounds done got thats that's that there again mate xx xxx
    sign signup up register registering book booking in count add put down join attend come coming want
    wanna would i'd like love to interested let lets let's us we
    """.split()
)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
# Words a question starts with and a name does not ("is it free" once became a name). "Do",
# "Will" and "Can" are absent: they are names too (Do Thi Lan, Will Smith, Can Yilmaz).
_QUESTION_WORDS = frozenset(
    """why what whats what's how who where when which is isn't are aren't does doesn't did should could would
    shall""".split()
)


def _refuse_non_names(text: str) -> None:
    """Raise InvalidInput when a cleaned answer is a question or has no word that could be a name."""
    words = [word.lower() for word in _WORD.findall(text)]
    if "?" in text or (len(words) > 1 and words[0] in _QUESTION_WORDS):
        raise InvalidInput("name", "question")
    if words and all(word in _NOT_A_NAME_WORDS for word in words):
        raise InvalidInput("name", "no_name")


# --- e-mail addresses ------------------------------------------------------------------------


def validate_email(value: Optional[str]) -> str:
    """A syntactically valid address, trimmed, with the domain lower-cased (IDN domains allowed)."""
    text = clean_text(str(value or ""), limit=4 * EMAIL_MAX_LENGTH, multiline=False).strip("<>").strip()
    if text.lower().startswith("mailto:"):
        text = text[len("mailto:") :]
    if not text:
        raise InvalidInput("email", "empty")
    if len(text) > EMAIL_MAX_LENGTH or " " in text or text.count("@") != 1:
        raise InvalidInput("email", "invalid")
    local, domain = text.split("@")
    domain = domain.lower().rstrip(".")
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except (UnicodeError, ValueError):
        raise InvalidInput("email", "invalid") from None
    labels = ascii_domain.split(".")
    if (
        not local
        or len(local) > 64
        or not _EMAIL_LOCAL.match(local)
        or len(labels) < 2
        or not all(_DOMAIN_LABEL.match(label) for label in labels)
        or not _TLD.match(labels[-1])
    ):
        raise InvalidInput("email", "invalid")
    return f"{local}@{domain}"


def email_key(email: str) -> str:
    """The form of an address used to recognise the same person again (case-insensitive)."""
    return email.strip().lower()


# --- phone numbers ---------------------------------------------------------------------------


def country_code_of(international_number: str) -> str:
    """The calling code of an international number such as the clinic's own ('+44 20 …' -> '44')."""
    digits = re.sub(r"\D", "", international_number)
    if not international_number.strip().startswith("+") or not digits:
        return ""
    if digits[0] in _ONE_DIGIT_CODES:
        return digits[0]
    if digits[:2] in _TWO_DIGIT_CODES:
        return digits[:2]
    return digits[:3]


def _nanp(digits: str) -> bool:
    """A 10-digit North American number: area code and exchange start with 2-9."""
    return len(digits) == 10 and digits[0] in "23456789" and digits[3] in "23456789"


def _to_international(raw: str, digits: str, default_country_code: str) -> Optional[str]:
    if raw.startswith("+"):
        return digits
    if raw.startswith("00"):
        return digits[2:]
    if default_country_code == "1":
        if raw.startswith("011"):
            return digits[3:]
        if len(digits) == 11 and digits.startswith("1"):
            return digits
        return "1" + digits if len(digits) == 10 else None
    if digits.startswith("0") and default_country_code:
        national = digits if default_country_code in _NO_TRUNK_ZERO else digits[1:]
        return default_country_code + national
    if _nanp(digits):
        return "1" + digits  # a US/Canadian number typed without +1
    if len(digits) == 11 and digits.startswith("1") and _nanp(digits[1:]):
        return digits
    return None


def validate_phone(value: Optional[str], default_country_code: str = "44") -> str:
    """A phone number in E.164 form ('+447700900123').

    Accepts international numbers (+44…, 0044…), UK national numbers (07700 900123,
    020 7946 0123, +44 (0)20 …), US/Canadian numbers ((415) 555-2671, 1-415-555-2671) and
    national numbers of ``default_country_code`` with a trunk 0. Anything ambiguous is refused
    with a re-ask for the international form.
    """
    raw = clean_text(str(value or ""), limit=64, multiline=False)
    if not raw:
        raise InvalidInput("phone", "empty")
    if not _PHONE_CHARS.match(raw) or raw.count("+") > 1 or ("+" in raw and not raw.startswith("+")):
        raise InvalidInput("phone", "invalid")
    raw = raw.replace("(0)", "")
    digits = re.sub(r"\D", "", raw)
    number = _to_international(raw, digits, default_country_code)
    if not number or not 8 <= len(number) <= 15 or number[0] == "0":
        raise InvalidInput("phone", "invalid")
    code = country_code_of("+" + number)
    national = number[len(code) :]
    if (code == "1" and not _nanp(national)) or (code == "44" and (len(national) not in (9, 10) or national[0] == "0")):
        raise InvalidInput("phone", "invalid")
    return "+" + number


# --- "e-mail or phone" -----------------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    email: Optional[str] = None
    phone: Optional[str] = None


_EMAIL_IN_TEXT = re.compile(r"[^\s<>()\[\],;:\"']+@[^\s<>()\[\],;:\"']+")
_PHONE_IN_TEXT = re.compile(r"\+?\(?\d[\d\s().\-/]{5,}\d")


def parse_contact(value: Optional[str], default_country_code: str = "44") -> Contact:
    """One answer to "your e-mail or phone number?": an address if it has an @, else a phone number.

    The address or number may sit in a sentence ("sure, it's jo@example.com thanks").
    """
    text = str(value or "").strip()
    if not text:
        raise InvalidInput("contact", "empty")
    if "@" in text:
        found = _EMAIL_IN_TEXT.search(text)
        return Contact(email=validate_email(found.group(0).rstrip(".!?") if found else text))
    found = _PHONE_IN_TEXT.search(text)
    return Contact(phone=validate_phone(found.group(0).strip() if found else text, default_country_code))


_LEADING_ACKNOWLEDGEMENT = re.compile(
    r"^\s*(?:(?:hi|hello|hey|hiya|ok|okay|sure|yes|yeah|yep|of course|no problem|thanks|thank you|no(?=\s*,))\b[\s,!.:;-]*)+",
    re.IGNORECASE,
)
_NAME_LEAD_IN = re.compile(
    r"^\s*(?:my name is|my name's|name is|name's|i am|i'm|im|it's|its|this is|call me|you can call me)\s+",
    re.IGNORECASE,
)


def extract_name(value: Optional[str]) -> str:
    """The name in an answer to "what's your name?" ("ok, my name is Jo Bloggs." -> "Jo Bloggs"), validated.

    An answer that is only an acknowledgement ("ok", "yes", "thanks") is refused, not taken as a name.
    """
    text = str(value or "")
    rest = _LEADING_ACKNOWLEDGEMENT.sub("", text)
    if _WORD.search(rest):  # something other than the acknowledgement is left
        text = rest
    text = _NAME_LEAD_IN.sub("", text).strip().rstrip(".!")
    # Typed at "What's your name?", a digit is something else: "my number is 07700 900123", a
    # ticket reference. (validate_name itself leaves digits to the callers that store names.)
    if sum(char.isdigit() for char in text) >= 6:
        raise InvalidInput("name", "phone_number")
    if any(char.isdigit() for char in text) and _has_a_letter(text):
        raise InvalidInput("name", "digits")
    return validate_name(text)
