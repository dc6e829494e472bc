"""Phone numbers to E.164 (phonenumbers) and e-mail syntax."""

from __future__ import annotations

import re

import phonenumbers

_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)

# "+1" then a ten-digit North American number whose area code starts with 2-9 (so parse()
# strips no national prefix), in the usual groupings; the fast path in `e164`.
_NANP = re.compile(r"\+1[ .-]?\(?([2-9]\d\d)\)?[ .-]?(\d{3})[ .-]?(\d{4})")


def e164(phone: str, country: str) -> str | None:
    """The number in E.164 form when it is a valid number (for the country when it has no +)."""
    if not phone or len(phone) > 40:
        return None
    nanp = _NANP.fullmatch(phone)
    if nanp:  # what parse() makes of "+1 NXX NXX XXXX", without its general machinery
        digits = int("".join(nanp.groups()))
        number = phonenumbers.PhoneNumber(country_code=1, national_number=digits)
    else:
        try:
            number = phonenumbers.parse(phone, country or None)
        except phonenumbers.NumberParseException:
            return None
    if not _valid(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _valid(number: phonenumbers.PhoneNumber) -> bool:
    """`phonenumbers.is_valid_number`, answered first by the calling code's main region.

    `is_valid_number` looks for the number's region among every region of its calling code
    (25 share +1), testing the number against each one's patterns, then tests it again for the
    region found. The main region is the first one it tries: when that region has no
    leading-digits rule and the number is valid for it, `is_valid_number` finds that region
    and says yes too. Anything else takes the full way, so the answer is always the same.
    """
    if number.country_code is None:
        return phonenumbers.is_valid_number(number)
    main = phonenumbers.region_code_for_country_code(number.country_code)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(main, None)
    if (
        metadata is not None
        and metadata.leading_digits is None
        and phonenumbers.is_valid_number_for_region(number, main)
    ):
        return True
    return phonenumbers.is_valid_number(number)


def email_ok(email: str) -> bool:
    """Whether an address has the syntax of an internet mail address (no DNS lookup)."""
    return len(email) <= 254 and _EMAIL.match(email) is not None
