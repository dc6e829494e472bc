"""`check`: normalise, validate, classify and decide one address — never raises."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

from linkstar.addresses.core import us
from linkstar.addresses.core.classify import forwarder_score, junk_fields, residential
from linkstar.addresses.core.contact import email_ok
from linkstar.addresses.core.findings import Findings
from linkstar.addresses.core.intl import country_rules, postcode_ok
from linkstar.addresses.core.model import (
    FIELDS,
    AddressInput,
    CheckedAddress,
    Difference,
    Flag,
    Reason,
    Severity,
    Verdict,
)
from linkstar.addresses.core.normalise import cleaned, country_code, normalise_parts
from linkstar.addresses.core.policy import Policy
from linkstar.addresses.core.us_checks import check_us, military_consistent
from linkstar.addresses.core.zipdb import MILITARY_STATES, ZipRecord, is_military_city, zip_index

DEFAULT_POLICY = Policy()
_PO_BOX_WORLD = re.compile(
    r"\b(?:P\.?\s*O\.?\s*BOX|POST\s*OFFICE\s*BOX|POSTFACH|BOITE\s+POSTALE|B\.?P\.?\s+\d+"
    r"|APARTADO(?:\s+POSTAL)?|CASILLA|CAIXA\s+POSTAL|POSTBUS|CASELLA\s+POSTALE|SKRYTKA)\b|私書箱|信箱",
    re.IGNORECASE,
)


def check(
    address: AddressInput, policy: Policy = DEFAULT_POLICY, *, postal_service: bool = False
) -> CheckedAddress:
    """The verdict on one address, with reasons; any failure becomes a `needs_review` verdict."""
    try:
        return _check(address, policy, postal_service)
    except Exception as exc:  # the contract: a verdict for every input, never an exception
        reason = Reason(
            "check_failed", "", f"the checker failed: {type(exc).__name__}", Severity.REVIEW
        )
        return CheckedAddress(address, address, Verdict.NEEDS_REVIEW, reasons=(reason,))


def check_many(
    addresses: Iterable[AddressInput],
    policy: Policy = DEFAULT_POLICY,
    *,
    postal_service: bool = False,
) -> Iterator[CheckedAddress]:
    """Check addresses one after the other, sharing the process-wide lookup tables."""
    zip_index()
    for address in addresses:
        yield check(address, policy, postal_service=postal_service)


def _check(address: AddressInput, policy: Policy, postal_service: bool) -> CheckedAddress:
    raw, too_long = cleaned(address)
    found = Findings(policy, normalise_parts(raw))
    parts = found.parts
    for name in too_long:
        found.add("field_too_long", name, f"{name} is longer than any real address part; cut")
    code = _country(found, raw)
    record: ZipRecord | None = None
    if code == "US":
        record = check_us(found, raw["postcode"])
    elif code:
        _check_intl(found, code)
    if code:
        _required(found, code)
    _contact(found, code)
    _classify(found, code, record, postal_service)
    normalised = AddressInput(**parts)
    return _result(address, normalised, found, code, record)


def _country(found: Findings, raw: dict[str, str]) -> str:
    parts = found.parts
    if raw["country"]:
        code = country_code(raw["country"])
        if not code or country_rules(code) is None:
            found.add("unknown_country", "country", f"{raw['country'][:40]!r} is not a country")
            return ""
        return code
    state = parts["state"].upper()
    record = zip_index().by_zip.get(us.standard_zip(parts["postcode"])[0][:5])
    if record and state in (record.state, ""):
        found.fix("country", "US", "country_inferred", "country is missing; the ZIP is American")
        normalised = normalise_parts(parts)
        parts.update(normalised)
        return "US" if parts["country"] == "US" else ""
    found.add("missing_country", "country", "the country is missing")
    return ""


def _check_intl(found: Findings, code: str) -> None:
    parts = found.parts
    rules = country_rules(code)
    if rules is None:
        return
    postcode = parts["postcode"]
    if postcode and not postcode_ok(rules, postcode, parts["state"]):
        example = f" (e.g. {rules.postcode_examples[0]})" if rules.postcode_examples else ""
        found.add(
            "postcode_format", "postcode", f"{postcode[:20]!r} is not a {code} postcode{example}"
        )
        record = zip_index().by_zip.get(postcode[:5]) if postcode[:5].isdigit() else None
        if record and parts["state"].upper() == record.state:
            found.suggest("country", "US", "postcode_of_country")  # a US address sent as abroad
    state = parts["state"]
    if state and rules.area_codes and state not in rules.area_codes:
        found.add("subdivision_unknown", "state", f"{state[:40]!r} is not a subdivision of {code}")


def _required(found: Findings, code: str) -> None:
    rules = country_rules(code)
    required = rules.required if rules else frozenset({"line1", "city"})
    for name in ("line1", "city", "state", "postcode"):
        if name in required and not found.parts[name]:
            found.add("missing_field", name, f"{name} is required for {code}")


def _contact(found: Findings, code: str) -> None:
    parts, policy = found.parts, found.policy
    needs_phone = code in policy.require_phone_countries
    if (parts["phone"] and not parts["phone"].startswith("+")) or parts["phone"] == "+":
        severity = Severity.REVIEW if needs_phone or policy.review_invalid_phone else None
        found.add("phone_invalid", "phone", "not a valid phone number for the country", severity)
    elif not parts["phone"] and needs_phone:
        found.add("phone_missing", "phone", f"carriers need a phone number for {code}")
    if parts["email"] and not email_ok(parts["email"]):
        severity = Severity.REVIEW if policy.review_invalid_email else None
        found.add("email_invalid", "email", "not a valid e-mail address", severity)


def _classify(found: Findings, code: str, record: ZipRecord | None, postal: bool) -> None:
    parts, policy = found.parts, found.policy
    lines = f"{parts['line1']} {parts['line2']}"
    po_box = us.is_po_box(lines) if code == "US" else bool(_PO_BOX_WORLD.search(lines))
    if po_box:
        found.flag(Flag.PO_BOX)
        if policy.hold_po_box_unless_postal and not postal:
            found.add("po_box_held", "line1", "PO boxes take postal services only")
        else:
            found.add("po_box", "line1", "a PO box")
    elif Flag.ZIP_PO_BOX_ONLY in found.flags:
        found.add("zip_po_box_only", "postcode", "this ZIP has PO boxes only; no street delivery")
    if code == "US":
        _military(found, record)
    junk = junk_fields(parts)
    if junk:
        found.flag(Flag.JUNK)
        severity = None if policy.junk_is_invalid else Severity.REVIEW
        for name in junk:
            found.add("junk", name, f"{name} looks like placeholder or test text", severity)
    if Flag.MILITARY in found.flags:
        return  # military mail goes to a unit, never through a reshipper
    zip5 = parts["postcode"][:5] if code == "US" else ""
    text = " ".join((parts["name"], parts["company"], lines))
    hubs = _hubs(policy.forwarder_hub_zips)
    found.forwarder = forwarder_score(text, zip5, hubs, policy.forwarder_keywords)
    score = found.forwarder[0]
    if score >= policy.forwarder_hold_score:
        found.flag(Flag.FORWARDER)
        if score >= policy.forwarder_block_score:
            found.add("forwarder_blocked", "line1", f"likely freight forwarder (risk {score})")
        else:
            found.add("forwarder_risk", "line1", f"likely freight forwarder (risk {score})")


def _military(found: Findings, record: ZipRecord | None) -> None:
    parts = found.parts
    state, city = parts["state"], parts["city"]
    if not (
        state in MILITARY_STATES
        or is_military_city(city)
        or (record is not None and record.military)
        or us.is_military_line(parts["line1"])
    ):
        return
    found.flag(Flag.MILITARY)
    if found.policy.block_military:
        found.add("military_blocked", "state", "military mail (APO/FPO/DPO) is blocked by policy")
    else:
        found.add("military", "state", "military mail (APO/FPO/DPO)")
    if not military_consistent(state, city, record):
        found.add("military_mismatch", "city", "APO/FPO/DPO, AA/AE/AP and the ZIP must agree")


@lru_cache(maxsize=8)
def _hubs(zips: tuple[str, ...]) -> frozenset[str]:
    return frozenset(zips)


def _result(
    address: AddressInput,
    normalised: AddressInput,
    found: Findings,
    code: str,
    record: ZipRecord | None,
) -> CheckedAddress:
    parts = found.parts
    home = residential(
        parts["company"], parts["line1"], parts["line2"], record.kind if record else ""
    )
    if Flag.PO_BOX not in found.flags and Flag.MILITARY not in found.flags:
        found.flag(Flag.RESIDENTIAL if home.confidence >= 0.5 else Flag.COMMERCIAL)
    score, evidence = found.forwarder
    differences = tuple(
        Difference(name, getattr(address, name)[:200], getattr(normalised, name))
        for name in FIELDS
        if getattr(address, name) != getattr(normalised, name)
    )
    return CheckedAddress(
        original=address,
        normalised=normalised,
        verdict=found.verdict(),
        flags=tuple(found.flags),
        reasons=tuple(found.reasons),
        suggestions=tuple(found.suggestions),
        differences=differences,
        residential_confidence=home.confidence,
        residential_evidence=home.evidence,
        forwarder_score=score,
        forwarder_evidence=evidence,
    )
