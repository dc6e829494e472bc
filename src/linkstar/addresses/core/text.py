"""Text hygiene: unicode NFKC, no control characters, single spaces, sane case, bounded length."""

from __future__ import annotations

import re
import unicodedata

# A field longer than this is not an address part; it is cut and reported.
MAX_FIELD = 200
# Work on at most this much of a raw field, so a megabyte field costs no more than a short one.
_RAW_WINDOW = MAX_FIELD * 4

_SPACE = re.compile(r"\s+")
# Cc (controls) and Cf (format: bidi marks, zero-width joiners), Cs (lone surrogates), Co, Cn.
_DROP_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
_SPACE_PUNCT = re.compile(r"\s*([,;])\s*")


def _strip_controls(value: str) -> str:
    if value.isascii():
        if value.isprintable():
            return value
        return "".join(
            ch if ch.isprintable() else " " if ch in "\t\n\r\x0b\x0c" else "" for ch in value
        )
    return "".join(
        " " if ch in "\t\n\r\x0b\x0c" else ch
        for ch in value
        if ch in "\t\n\r\x0b\x0c" or unicodedata.category(ch) not in _DROP_CATEGORIES
    )


def clean(value: str) -> tuple[str, bool]:
    """The cleaned text and whether the raw value was too long (it is then cut)."""
    if not value or (len(value) <= MAX_FIELD and value.isascii() and value.isalnum()):
        return value, False
    if (  # printable ASCII already in its clean form: what the steps below would return
        len(value) <= MAX_FIELD
        and value.isascii()
        and value.isprintable()
        and value[0] not in " ,;"
        and value[-1] not in " ,;"
        and "  " not in value
        and "," not in value
        and ";" not in value
    ):
        return value, False
    too_long = len(value) > MAX_FIELD
    window = value[:_RAW_WINDOW]
    if not window.isascii():
        window = unicodedata.normalize("NFKC", window)
    text = _SPACE.sub(" ", _strip_controls(window)).strip(" ,;")
    text = _SPACE_PUNCT.sub(r"\1 ", text).strip(" ,;")
    if len(text) > MAX_FIELD:
        text = text[:MAX_FIELD].rstrip(" ,;")
        too_long = True
    # NFKC of a cut string can differ from the whole; a second pass keeps clean() idempotent.
    if not text.isascii():
        text = _SPACE.sub(" ", _strip_controls(unicodedata.normalize("NFKC", text))).strip(" ,;")
    return text, too_long


def fix_case(value: str) -> str:
    """Title case for text typed all in capitals or all in small letters; mixed case is kept."""
    if not value or (value.upper() != value and value.lower() != value):
        return value
    if not any(ch.isalpha() for ch in value):
        return value
    titled = value.title()
    # str.title() capitalises after apostrophes ("O'Brien" is right, "Joe'S" is not).
    return re.sub(r"'S\b", "'s", titled)


def upper(value: str) -> str:
    """Upper case (USPS and many postal services print addresses in capitals)."""
    return value.upper()


def fold(value: str) -> str:
    """A comparison key: upper case, letters and digits only, single spaces."""
    return " ".join(re.sub(r"[^0-9A-Z ]+", " ", value.upper()).split())
