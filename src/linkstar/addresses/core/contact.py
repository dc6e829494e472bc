"""Phone numbers to E.164 (phonenumbers) and e-mail syntax."""

from __future__ import annotations

import re

import phonenumbers

_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)


def e164(phone: str, country: str) -> str | None:
    """The number in E.164 form when it is a valid number (for the country when it has no +)."""
    if not phone or len(phone) > 40:
        return None
    try:
        number = phonenumbers.parse(phone, country or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email_ok(email: str) -> bool:
    """Whether an address has the syntax of an internet mail address (no DNS lookup)."""
    return len(email) <= 254 and _EMAIL.match(email) is not None
