"""Masking of visitors' e-mail addresses and phone numbers for staff who don't need them.

The console shows contact details in full to admins and to the person a ticket is assigned
to (who has to call or write back); everyone else sees them masked, in ticket fields and
inside what visitors typed. Masking keeps enough to tell two people apart and to recognise a
caller ("j•••@g•••.com", "•••••••123") and nothing that lets anyone contact the visitor.

In free text, a phone number is a run of at least seven digits that may be separated by
spaces, dots, dashes, slashes or brackets (so dates such as 25/11/2026 stay readable).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import FrozenSet, Iterable, Optional

from clinic.errors import InvalidInput
from clinic.validation import validate_phone

MASK = "•••"
_EMAIL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_PHONE = re.compile(r"(?<![\w])\+?\(?(?:\d[\s.\-/()]{0,2}){6,}\d(?![\w])")
_DIGIT = re.compile(r"\d")
_DATE = re.compile(r"\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}")


def mask_email(email: Optional[str]) -> str:
    if not email:
        return ""
    local, _, domain = email.rpartition("@")
    if not local:
        return MASK
    host, dot, tld = domain.rpartition(".")
    masked_domain = f"{host[:1]}{MASK}{dot}{tld}" if host else f"{domain[:1]}{MASK}"
    return f"{local[:1]}{MASK}@{masked_domain}"


def mask_phone(phone: Optional[str]) -> str:
    if not phone:
        return ""
    digits = _DIGIT.findall(phone)
    return ("•" * max(3, len(digits) - 3)) + "".join(digits[-3:])


def _is_phone(candidate: str) -> bool:
    return len(_DIGIT.findall(candidate)) >= 7 and not _DATE.fullmatch(candidate.strip())


def contact_key(value: str) -> str:
    """What identifies an address or number whatever its spelling: the lower-case e-mail
    address, or the number in international form ("+44 (0)20 7946 0911" is "+442079460911")."""
    if "@" in value:
        return value.strip().lower()
    try:
        return validate_phone(value)
    except InvalidInput:
        return "".join(_DIGIT.findall(value))


def mask_text(text: Optional[str], keep: FrozenSet[str] = frozenset()) -> str:
    """``text`` with every e-mail address and phone number in it masked, except those whose
    ``contact_key`` is in ``keep`` (the clinic's own, which the assistant gives out)."""
    if not text:
        return ""

    def email(match: re.Match) -> str:
        return match.group(0) if contact_key(match.group(0)) in keep else mask_email(match.group(0))

    def phone(match: re.Match) -> str:
        found = match.group(0)
        if not _is_phone(found) or contact_key(found) in keep:
            return found
        return mask_phone(found)

    return _PHONE.sub(phone, _EMAIL.sub(email, text))


@dataclass(frozen=True)
class ContactView:
    """How one viewer sees contact details in one place: in full, or masked (but never the
    clinic's own phone numbers and addresses, listed in ``keep`` as ``contact_key``s)."""

    full: bool
    keep: FrozenSet[str] = frozenset()

    def email(self, value: Optional[str]) -> str:
        return (value or "") if self.full else mask_email(value)

    def phone(self, value: Optional[str]) -> str:
        return (value or "") if self.full else mask_phone(value)

    def text(self, value: Optional[str]) -> str:
        return (value or "") if self.full else mask_text(value, self.keep)


def contact_view(is_admin: bool, username: str, assignees: tuple = (), keep: Iterable[str] = ()) -> ContactView:
    """Full details for admins and for the assignee of (one of) the tickets concerned;
    ``keep``: the clinic's own contact details, never masked."""
    full = is_admin or (bool(username) and username in assignees)
    return ContactView(full=full, keep=frozenset(contact_key(value) for value in keep if value))
