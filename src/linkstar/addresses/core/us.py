"""United States: Publication 28 street lines, ZIP+4 and the `usaddress` parse of the parts."""

from __future__ import annotations

import re
from functools import lru_cache

import usaddress

from linkstar.addresses.core.pub28 import (
    DIRECTIONALS,
    STREET_WORDS,
    SUFFIXES,
    UNIT_ABBREVIATIONS,
    UNITS,
    UNITS_WITHOUT_NUMBER,
)

# Designators that are also everyday street words count only after a suffix or directional.
_AMBIGUOUS_UNITS = frozenset(
    {"KEY", "LOT", "SIDE", "REAR", "PIER", "STOP", "SLIP", "FRONT", "FRNT", "LOWER", "LOWR"}
    | {"UPPER", "UPPR", "LOBBY", "LBBY", "OFFICE", "OFC", "SPACE", "SPC", "TRAILER", "TRLR"}
)
_HASH_SIGN = "#"
_PUNCT = re.compile(r"[.,;:]+")
_HASH = re.compile(r"#\s*")
_PO_BOX = re.compile(
    r"^(?:P\s*O|POST\s+OFFICE|POST|POSTAL)\s*(?:BOX|BX|B)\b\s*(?:NO\s+|NUMBER\s+|#\s*)?(?=\S)"
)
_PO_BOX_ANYWHERE = re.compile(
    r"\b(?:P\s*O\s*B(?:OX|X)?|POST\s*OFFICE\s*BOX|POSTAL\s+BOX|PO\s+BOX|P\s+O\s+BOX|LOCKBOX)\b"
)
_MILITARY_LINE = re.compile(r"^(?:PSC|CMR|UNIT|USNS|USS|OMC)\s+\d+")
_ZIP = re.compile(r"^(\d{5})(?:[\s-]?(\d{4}))?$")
_ZIP_NOT_PADDED = re.compile(r"^(\d{3,4})(?:[\s-]?(\d{4}))?$")


def standard_line(line: str) -> str:
    """A street line in Publication 28 form (upper case, no punctuation, standard abbreviations)."""
    text = _PUNCT.sub(" ", line.upper()).replace("`", "'")
    text = " ".join(text.split())
    if not text:
        return ""
    box = _PO_BOX.match(text)
    if box:
        return "PO BOX " + text[box.end() :].lstrip("# ")
    if _MILITARY_LINE.match(text):
        return text
    tokens = _HASH.sub("# ", text).split()
    unit_at = _find_unit(tokens)
    street = _standard_street(tokens[:unit_at])
    return " ".join(street + standard_unit(tokens[unit_at:]))


def standard_unit(tokens: list[str]) -> list[str]:
    """Secondary unit designators abbreviated; a `#` after a designator dropped."""
    out: list[str] = []
    for token in tokens:
        if token == _HASH_SIGN and out and out[-1] in UNIT_ABBREVIATIONS and out[-1] != _HASH_SIGN:
            continue
        out.append(UNITS.get(token, token))
    return out


def standard_line2(line: str) -> str:
    """The second line: a unit designator line is standardised, anything else upper-cased."""
    text = " ".join(_PUNCT.sub(" ", line.upper()).split())
    tokens = _HASH.sub("# ", text).split()
    if tokens and tokens[0] in UNITS:
        return " ".join(standard_unit(tokens))
    return standard_line(text) if _PO_BOX.match(text) else text


def _find_unit(tokens: list[str]) -> int:
    for i in range(1, len(tokens)):
        token = tokens[i]
        if token not in UNITS or (i < 2 and token != _HASH_SIGN):
            continue
        needs_id = UNITS[token] not in UNITS_WITHOUT_NUMBER
        if needs_id and i == len(tokens) - 1:
            continue
        if token in _AMBIGUOUS_UNITS and tokens[i - 1] not in STREET_WORDS:
            continue
        return i
    return len(tokens)


def _standard_street(tokens: list[str]) -> list[str]:
    out = list(tokens)
    start = 1 if out and any(ch.isdigit() for ch in out[0]) else 0
    end = len(out) - 1
    if end - start >= 2 and out[end] in DIRECTIONALS:
        out[end] = DIRECTIONALS[out[end]]
        end -= 1
    if (
        out[start:]
        and out[start] in DIRECTIONALS
        and (end - start >= 2 or (end - start == 1 and out[end] not in SUFFIXES))
    ):
        out[start] = DIRECTIONALS[out[start]]
        start += 1
    if end - start >= 1 and out[end] in SUFFIXES:
        out[end] = SUFFIXES[out[end]]
    return out


def standard_zip(postcode: str) -> tuple[str, str]:
    """(ZIP or ZIP+4 as `12345-6789`, how it was fixed); the input itself when it is no ZIP."""
    text = postcode.replace(" ", "") if len(postcode) <= 12 else postcode
    match = _ZIP.match(text)
    if match:
        return (match[1] + ("-" + match[2] if match[2] else "")), ""
    short = _ZIP_NOT_PADDED.match(text)
    if short:
        # Spreadsheets drop the leading zeros of New England and New Jersey ZIPs.
        return short[1].zfill(5) + ("-" + short[2] if short[2] else ""), "zip_zero_padded"
    return postcode, ""


def is_po_box(line: str) -> bool:
    """Whether a (standardised) line is a post-office box."""
    return bool(_PO_BOX_ANYWHERE.search(line.upper()))


def is_military_line(line: str) -> bool:
    """Whether a line has the PSC/CMR/UNIT … BOX form of military mail."""
    return bool(_MILITARY_LINE.match(line.upper()))


@lru_cache(maxsize=65536)
def parse_street(line: str) -> tuple[tuple[str, str], ...]:
    """The parts of a US street line as (usaddress label, text) pairs; empty when it has none."""
    if not line or len(line) > 120:
        return ()
    try:
        tagged, _kind = usaddress.tag(line)
        return tuple((label, str(value)) for label, value in tagged.items())
    except Exception:  # usaddress raises RepeatedLabelError and, on odd input, others
        parts: dict[str, list[str]] = {}
        try:
            for token, label in usaddress.parse(line):
                parts.setdefault(label, []).append(token)
        except Exception:
            return ()
        return tuple((label, " ".join(tokens)) for label, tokens in parts.items())
