"""Questions about the clinic itself that no FAQ answer covers, answered from the clinic's file.

What the clinic offers ("what treatments do you do?", from the clinic file's `treatments`), who
the clinic treats by age ("what's the youngest age you treat?"), who carries out the
treatments ("are your practitioners qualified?"), gift vouchers, the cancellation policy ("is
there a cancellation fee?"), the consultation and first visit ("do I need a consultation
first?", "do you take walk-ins?") and how to prepare for a visit ("what should I do before my
appointment?") have no answer key: the NLU gives them whatever they are nearest to
(the benefits answer, aftercare for a gift card), a weak match, "out of scope", a price question
or a booking ("is it done by a doctor?"). Whatever it made of them, short of a medical reading,
the clinic's own note answers (`age_note`, `practitioners_note`, `gift_voucher_note`,
`cancellation_note`, `first_visit_note`, `preparation_note` in clinic.yml) or, without one, where to ask (for
preparation, general guidance beside it); before the form when the
message is a booking or "talk to a person" request. One table: the note, a pattern (and what
rules it out), the two responses, the next steps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import reduce
from typing import Optional, Tuple

from rasa_sdk.executor import CollectingDispatcher

from actions.clinic_context import clinic
from actions.topics import topic_buttons
from actions.wording import contact_facts, say, spoken_list
from clinic.config import ClinicConfig

_STAFF = r"(?:practitioners?|therapists?|aestheticians?|estheticians?|nurses?|doctors?|dermatologists?|clinicians?|staff|team)"
_CREDENTIALS = r"(?:qualified|qualifications?|trained|training|certified|certifications?|licen[cs]ed|registered|accredited|experienced)"
_TREATMENT = r"(?:treatments?|procedures?|micro-?needling|needling|ecit|sessions?|it)"
# What one does or stops doing before a visit ("should I stop retinol before my treatment?").
_BEFORE_DOINGS = r"stop\w*|avoid\w*|pause|skip|wear\w*|shav\w*|wax\w*|exfoliat\w*|drink\w*|alcohol|caffeine|coffee"
_CONSULTATION = r"(?:consultations?|consults?)"
_VISIT = r"(?:appointments?|appts?|sessions?|treatments?|procedures?|micro-?needling|visits?|consultations?)"


@dataclass(frozen=True)
class ClinicQuestion:
    note_field: str  # where clinic.yml holds the clinic's answer
    pattern: re.Pattern
    note_response: str  # the note, with how to ask more
    ask_response: str  # no note: where to ask
    next_steps: Tuple[str, ...]
    unless: Optional[re.Pattern] = None  # a message that also says this is another question

    @property
    def topic(self) -> str:
        """What it is about, as actions/question_parts.py compares topics."""
        return f"clinic/{self.note_field}"

    def asked_in(self, text: str) -> bool:
        return bool(self.pattern.search(text)) and not (self.unless and self.unless.search(text))

    def note(self, config: ClinicConfig) -> str:
        """The clinic file's answer at ``note_field`` (a dotted path); a list is said as one."""
        value = reduce(getattr, self.note_field.split("."), config)
        return spoken_list(value) if isinstance(value, list) and value else value or ""


CLINIC_QUESTIONS = (
    ClinicQuestion(
        "clinic.treatments",
        re.compile(
            r"\bwhat (?:other |else |kinds? of |sorts? of |types? of )?(?:treatments?|services?|procedures?)\b"
            r"[^.?!]*\b(?:offer|do|have|provide|perform)\b"
            r"|\bwhat (?:do|else do|other things do) you (?:guys )?(?:offer|do|provide)(?:\W+(?:then|here|there|exactly"
            r"|at (?:the|your) clinic))?\W*$"
            r"|\b(?:treatment|service) (?:menu|list)\b|\b(?:list|menu) of (?:treatments|services)\b"
            r"|\bwhat else\b[^.?!]*\b(?:do you|is on offer|can you)\b",
            re.IGNORECASE,
        ),
        "utter_services_note",
        "utter_services_ask",
        ("faq/microneedling_what", "faq/inner_glow_program", "book_consultation"),
        # "what treatments do you offer for acne scars?": that concern's answer.
        re.compile(
            r"\b(?:acne|scars?|spots|pimples|breakouts?|wrinkles?|lines|pigment\w*|pores|rosacea|melasma)\b", re.I
        ),
    ),
    ClinicQuestion(
        "age_note",
        re.compile(
            r"\b(?:youngest|oldest|(?:minimum|maximum|min|max|lower|upper) age|age (?:limits?|restrictions?"
            r"|requirements?|range|groups?|cut-?offs?)|how old|too old|too young|old enough|under[- ]?1[68]s?"
            r"|teenagers?|minors|(?:what|which|any) age|\d{1,2}[- ]?(?:years?|yrs?)[- ]?olds?\b(?!\W+(?:acne|scars?|marks?"
            r"|spots?|pigmentation|skin|wrinkles?|lines?|damage|stretch|tattoos?|breakouts?)))\b",
            re.IGNORECASE,
        ),
        "utter_age_note",
        "utter_age_ask",
        ("faq/skin_type_suitability", "book_consultation"),
    ),
    ClinicQuestion(
        "practitioners_note",
        re.compile(
            rf"\bwho(?:'s| is)? (?:does|do|did|will|would|is going to|performs?|carries out|gives?|doing|performing)"
            rf"\b(?:\W+\w+){{0,3}}?\W+{_TREATMENT}\b"
            rf"|\b{_STAFF}\b(?:\W+\w+){{0,3}}?\W+{_CREDENTIALS}\b|\b{_CREDENTIALS}\b(?:\W+\w+){{0,2}}?\W+{_STAFF}\b"
            rf"|\b(?:done|performed|carried out|given) by (?:a |an |the )?(?:\w+ )?{_STAFF}\b",
            re.IGNORECASE,
        ),
        "utter_practitioners_note",
        "utter_practitioners_ask",
        ("faq/microneedling_safety", "book_consultation"),
        # "who does microneedling work for?", "who would benefit from it?": who it suits, not who treats.
        re.compile(r"\b(?:works?|suits?|suitable|benefit\w*|helps?|candidates?|good for|right for|best for)\b", re.I),
    ),
    ClinicQuestion(
        "gift_voucher_note",
        re.compile(
            r"\bgift(?:s|ed|ing)?\b|\bgiftcards?\b|\b(?:treatment|spa|salon) vouchers?\b|\bas a present\b", re.I
        ),
        "utter_gift_voucher_note",
        "utter_gift_voucher_ask",
        ("ask_contact", "book_consultation"),
    ),
    ClinicQuestion(
        "cancellation_note",
        re.compile(
            r"\bcancell?ation (?:policy|policies|fees?|charges?|terms)\b|\b(?:late|no[- ]?show|missed appointment"
            r"|cancell?ing) (?:fees?|charges?|policy)\b|\b(?:charge|fee)s? (?:for|if (?:i|you)) (?:cancel|miss|no[- ]?show)"
            # Changing an appointment or arriving late: "can I move my appointment?", "I'm running late".
            r"|\breschedul\w*|\b(?:move|change|cancel|rearrange|postpone|push back|put back) (?:my|our|the|her|his|an?) "
            r"(?:appointment|appt|session|consultation|consult)\b"
            r"|\brunning (?:a (?:bit|little) |\d+ ?(?:mins?|minutes) )?late\b"
            r"|\blate (?:for|to) (?:my|the|our|an?|her|his) (?:appointment|appt|session|consultation|consult|treatment)\b"
            r"|\b(?:i'?m|im|i am|i'?ll be|ill be|i will be|we'?re|we'?ll be) (?:going to be |gonna be )?(?:a (?:bit|little) |\d+ ?"
            r"(?:mins?|minutes) )?late\b(?!\W+to (?:the )?(?:party|game|trend))",
            re.IGNORECASE,
        ),
        "utter_cancellation_note",
        "utter_cancellation_ask",
        ("ask_contact", "book_consultation"),
    ),
    ClinicQuestion(
        "first_visit_note",
        re.compile(
            r"\b(?:what happens|what (?:should|can|do) (?:i|we) expect|what to expect|what'?s involved|what is involved"
            rf"|how long (?:is|does|will|do|are))\b[^.?!]*\b(?:{_CONSULTATION}|first (?:visit|appointment|session))\b"
            rf"|\b(?:do|will|would|must|should) (?:i|you|we|they) (?:need|have to|require|have)\b[^.?!]*\b{_CONSULTATION}\b"
            rf"|\b{_CONSULTATION}\b[^.?!]*\b(?:required|necessary|needed|compulsory|mandatory|essential|a must)\b"
            r"|\breferrals?\b|\bwalk[- ]?ins?\b|\bdrop[- ]?ins?\b|\bwithout (?:an |booking an )?appointment\b"
            r"|\bjust (?:turn|show|walk|pop) (?:up|in)\b"
            rf"|\b(?:online|virtual|video|phone|telephone|remote|zoom) {_CONSULTATION}\b",
            re.IGNORECASE,
        ),
        "utter_first_visit_note",
        "utter_first_visit_ask",
        ("book_consultation", "ask_contact"),
        # "is the consultation free?" is a price question; ask_price answers it with the clinic's prices.
        re.compile(r"\b(?:free|cost\w*|price\w*|charge\w*|fees?|pay\w*|how much)\b", re.I),
    ),
    ClinicQuestion(
        "preparation_note",
        re.compile(
            r"\b(?:prepare|preparing|preparation|prep|pre-?treatment|pre-?care)\b(?!\W+(?:time|room))"
            rf"|\b(?:what|anything|things?|how|{_BEFORE_DOINGS})\b[^.?!]*\bbefore (?:(?:my|the|a|your|each|every|our"
            rf"|her|his) )?(?:first |next )?{_VISIT}\b"
            rf"|\b(?:wear|wearing|put on) (?:any )?make-?up (?:to|for|before) (?:my|the|a|your)? ?{_VISIT}\b"
            r"|\bwhat (?:should|do|must|shall) (?:i|we) (?:bring|wear)\b"
            r"|\b(?:need|have|got) to bring\b|\bwhat to bring\b|\banything (?:i should |to )?bring\b",
            re.IGNORECASE,
        ),
        "utter_preparation_note",
        "utter_preparation_ask",
        ("faq/aftercare", "book_consultation"),
        # "do I need a consultation before treatment?" is a booking question, "what should I bring to
        # the event?" an event one; what happened before a treatment is no question about preparing.
        re.compile(
            r"\bconsult\w*\b[^.?!]*\bbefore\b|\b(?:was|were|had|did|used to)\b[^.?!]*\bbefore\b|\bevents?\b", re.I
        ),
    ),
)


def clinic_question_in(text: Optional[str]) -> Optional[ClinicQuestion]:
    """The first clinic question the message asks, if any."""
    return next((question for question in CLINIC_QUESTIONS if question.asked_in(text or "")), None)


def answer_clinic_question(
    dispatcher: CollectingDispatcher, text: Optional[str], buttons: bool = True
) -> Optional[str]:
    """Answer the clinic question ``text`` asks, if any: the clinic's note, or where to ask when the
    clinic file has none; without next-step buttons when something else (a form) follows. The
    topic answered (`clinic/<note field>`), or None when ``text`` asks no clinic question."""
    question = clinic_question_in(text)
    if question is None:
        return None
    config = clinic()
    note = question.note(config)
    say(
        dispatcher,
        question.note_response if note else question.ask_response,
        buttons=topic_buttons(question.next_steps) if buttons else [],
        **({"note": note} if note else {}),
        **contact_facts(config),
    )
    return question.topic
