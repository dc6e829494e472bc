"""What kind of destination: junk, residential or commercial, freight forwarder."""

from __future__ import annotations

import re
from dataclasses import dataclass

from linkstar.addresses.core.pub28 import COMMERCIAL_UNITS, RESIDENTIAL_UNITS, UNITS

_JUNK_WORDS = frozenset(
    {"TEST", "TESTING", "ASDF", "ASDFG", "QWERTY", "QWER", "ZXCV", "XXX", "XXXX", "NA", "N/A"}
    | {"NONE", "NULL", "NIL", "UNKNOWN", "FAKE", "DUMMY", "SAMPLE", "FOO", "BAR", "FOOBAR"}
    | {"BLAH", "LOREM", "IPSUM", "ABC", "ABCD", "AAA", "TBD", "TODO", "-", "?", "."}
)
# Only words that cannot be a real street, city or surname count inside longer text.
_JUNK_INSIDE = frozenset({"TEST", "ASDF", "QWERTY", "ZXCV", "LOREM", "IPSUM", "FOOBAR", "DUMMY"})
_REPEATED = re.compile(r"(\S)\1{4,}")
# Five keys in a row on a QWERTY keyboard; four would catch real names (LibERTY, Van WERT).
_KEYBOARD_ROWS = ("QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM")
_WALK = re.compile("|".join(row[i : i + 5] for row in _KEYBOARD_ROWS for i in range(len(row) - 4)))
_WORD = re.compile(r"[A-Z0-9/?.-]+")
_SUITE_NUMBER = re.compile(
    r"(?:\b(?:STE|SUITE|UNIT|APT|BOX|PMB|RM|#)\s*#?\s*|#)([A-Z]{0,3}\d{5,})\b"
)
_CUSTOMER_CODE = re.compile(r"\b(?:[A-Z]{2,4}-?\d{5,}|\d{5,}-?[A-Z]{2,4})\b")
_BUSINESS_WORDS = re.compile(
    r"\b(?:INC|LLC|LTD|CORP|CORPORATION|CO|COMPANY|GMBH|AG|SA|SAS|SARL|BV|PLC|PTY|KK|LLP"
    r"|HOSPITAL|UNIVERSITY|COLLEGE|SCHOOL|BANK|HOTEL|OFFICE|STORE|WAREHOUSE|PLAZA|CENTER|CTR"
    r"|TOWER|INDUSTRIAL|BUSINESS|PARK|MALL|PKWY)\b"
)


def junk_fields(parts: dict[str, str]) -> list[str]:
    """The fields (name, company, line1, city) whose text is a placeholder or keyboard mash."""
    found = []
    for name in ("name", "company", "line1", "line2", "city"):
        value = parts.get(name, "").upper()
        if value and _is_junk(value):
            found.append(name)
    return found


def _is_junk(text: str) -> bool:
    if text in _JUNK_WORDS or text.replace(" ", "") in _JUNK_WORDS:
        return True
    if _REPEATED.search(text) or _WALK.search(text):
        return True
    return not _JUNK_INSIDE.isdisjoint(_WORD.findall(text))


@dataclass(frozen=True, slots=True)
class Residential:
    """The probability that the address is a home, and the evidence for it."""

    confidence: float
    evidence: tuple[str, ...]


def residential(company: str, line1: str, line2: str, zip_kind: str) -> Residential:
    """Residential vs commercial from the company, the unit designator and the ZIP type."""
    score = 0.65  # most parcels of cross-border sellers go to homes
    evidence: list[str] = []
    if company.strip():
        score -= 0.35
        evidence.append("company_name")
    words = set(_WORD.findall(f"{line1} {line2}".upper()))
    units = {UNITS[w] for w in words if w in UNITS}
    if units & COMMERCIAL_UNITS:
        score -= 0.25
        evidence.append("commercial_unit:" + ",".join(sorted(units & COMMERCIAL_UNITS)))
    if units & RESIDENTIAL_UNITS:
        score += 0.2
        evidence.append("residential_unit:" + ",".join(sorted(units & RESIDENTIAL_UNITS)))
    if _BUSINESS_WORDS.search(f"{company} {line1} {line2}".upper()):
        score -= 0.15
        evidence.append("business_words")
    if zip_kind == "UNIQUE":
        score -= 0.3
        evidence.append("unique_zip")
    return Residential(round(min(0.95, max(0.05, score)), 2), tuple(evidence))


def forwarder_score(
    text: str, zip5: str, hub_zips: frozenset[str], keywords: tuple[str, ...]
) -> tuple[int, tuple[str, ...]]:
    """A 0-100 risk that the address is a reshipper, with the evidence (a risk, not a verdict)."""
    upper = text.upper()
    score = 0
    evidence: list[str] = []
    for keyword in keywords:
        if keyword.upper() in upper:
            score += 60
            evidence.append(f"keyword:{keyword}")
            break
    suite = _SUITE_NUMBER.search(upper)
    if suite:
        score += 30
        evidence.append(f"long_suite:{suite.group(1)}")
    elif _CUSTOMER_CODE.search(upper):
        score += 20
        evidence.append("customer_code")
    if zip5 in hub_zips:
        score += 30
        evidence.append(f"hub_zip:{zip5}")
    return min(score, 100), tuple(evidence)
