"""Carrier detection from a tracking number alone, and the registry of documented formats.

`detect_carriers` normalises the input, runs every format in `FORMATS`, keeps the best reading
per carrier and ranks them by confidence. Ties keep the order of `FORMATS`, so the result is
deterministic. Nothing here looks anything up: a user can always correct the carrier.
"""

from __future__ import annotations

from linkstar.tracking.core import formats_intl as intl
from linkstar.tracking.core import formats_us as us
from linkstar.tracking.core.candidates import Candidate, TrackingFormat
from linkstar.tracking.core.numbers import normalise_tracking_number

_JKEEN = "github.com/jkeen/tracking_number_data (MIT), couriers/{}.json"
_S10 = (
    "UPU S10 technical standard (13-character identifier of postal items); service "
    "indicators as summarised in jkeen/tracking_number_data s10_service_indicator.json"
)
_GUIDES = "public format guides (parceler.com, cnusup.com); no check digit is published"

FORMATS: tuple[TrackingFormat, ...] = (
    TrackingFormat(
        id="ups_1z",
        carrier="ups",
        pattern="1Z + 6 shipper + 2 service + 7 package + check",
        check="UPS mod 10: letters (ord-63) mod 10, weights 1,2 from the left",
        source=_JKEEN.format("ups") + "; CPAN Algorithm::CheckDigits::M10_011 (UPS)",
        example="1Z5R89390357567127",
        match=us.match_ups,
    ),
    TrackingFormat(
        id="usps_impb",
        carrier="usps",
        pattern="[420 + ZIP5 | ZIP9] + 9[1-5] + 18-24 digits",
        check="GS1 mod 10 over the IMpb part",
        source=_JKEEN.format("usps") + "; USPS Publication 199 (IMpb)",
        example="9400111201080805483016",
        match=us.match_usps_impb,
    ),
    TrackingFormat(
        id="usps_20",
        carrier="usps",
        pattern="20 digits",
        check="GS1 mod 10 (plain, or with 91 prefixed)",
        source=_JKEEN.format("usps"),
        example="03071790000523483741",
        match=us.match_usps_20,
    ),
    TrackingFormat(
        id="fedex_12",
        carrier="fedex",
        pattern="12 digits",
        check="FedEx mod 11 (1,3,7 from the right)",
        source=_JKEEN.format("fedex"),
        example="986578788855",
        match=us.match_fedex_12,
    ),
    TrackingFormat(
        id="fedex_15",
        carrier="fedex",
        pattern="15 digits",
        check="GS1 mod 10",
        source=_JKEEN.format("fedex"),
        example="041441760228964",
        match=us.match_fedex_15,
    ),
    TrackingFormat(
        id="fedex_20",
        carrier="fedex",
        pattern="20 digits (SmartPost: IMpb without its 92)",
        check="GS1 mod 10 over 92 + number",
        source=_JKEEN.format("fedex"),
        example="61299998820821171811",
        match=us.match_fedex_20,
    ),
    TrackingFormat(
        id="fedex_smartpost_22",
        carrier="fedex",
        pattern="92 + 20 digits",
        check="GS1 mod 10",
        source=_JKEEN.format("fedex"),
        example="9261292700768711948021",
        match=us.match_fedex_92,
    ),
    TrackingFormat(
        id="fedex_96",
        carrier="fedex",
        pattern="96 + 2 SCNC + 3 service + 14 serial + check (22 digits)",
        check="GS1 mod 10 over the 14-digit serial",
        source=_JKEEN.format("fedex"),
        example="9611020987654312345672",
        match=us.match_fedex_96,
    ),
    TrackingFormat(
        id="fedex_34",
        carrier="fedex",
        pattern="100x or 96 + 30 digits (34)",
        check="FedEx mod 11 over the last 13 digits before the check",
        source=_JKEEN.format("fedex"),
        example="1001921334250001000300779017972697",
        match=us.match_fedex_34,
    ),
    TrackingFormat(
        id="dhl_express",
        carrier="dhl_express",
        pattern="10 digits (11 on some waybills)",
        check="mod 7 of the number without its last digit",
        source=_JKEEN.format("dhl"),
        example="3318810025",
        match=us.match_dhl_express,
    ),
    TrackingFormat(
        id="dhl_express_piece",
        carrier="dhl_express",
        pattern="JJD or JVGL + 9-10 digits",
        check="none",
        source=_JKEEN.format("dhl"),
        example="JJD0099999999",
        match=us.match_dhl_piece,
    ),
    TrackingFormat(
        id="upu_s10",
        carrier="postal operator of the suffix country (usps, china_post, royal_mail, ...)",
        pattern="2 letters service + 8 serial + check + ISO country",
        check="S10 mod 11: weights 8,6,4,2,3,5,9,7; 10 -> 0, 11 -> 5",
        source=_S10,
        example="RR123456785GB",
        match=intl.match_s10,
    ),
    TrackingFormat(
        id="yanwen_yw",
        carrier="yanwen",
        pattern="2 letters + 9 digits + YW",
        check="none",
        source=_GUIDES,
        example="UG123456785YW",
        match=intl.match_yanwen,
    ),
    TrackingFormat(
        id="yunexpress_yt",
        carrier="yunexpress",
        pattern="YT + 16 digits",
        check="none",
        source=_JKEEN.format("yunexpress"),
        example="YT2229521272164446",
        match=intl.match_yunexpress,
    ),
    TrackingFormat(
        id="4px",
        carrier="4px",
        pattern="4PX + 10-16 digits [+ CN]",
        check="none",
        source=_GUIDES,
        example="4PX3001234567890CN",
        match=intl.match_4px,
    ),
    TrackingFormat(
        id="cainiao_lp",
        carrier="cainiao",
        pattern="LP + 12-16 digits",
        check="none",
        source=_GUIDES,
        example="LP00724622449605",
        match=intl.match_cainiao_lp,
    ),
    TrackingFormat(
        id="cainiao_cn",
        carrier="cainiao",
        pattern="CN + destination country + 2 letters + 8-12 digits",
        check="none",
        source=_GUIDES,
        example="CNUSUP00016597663",
        match=intl.match_cainiao_cn,
    ),
    TrackingFormat(
        id="dhl_ecommerce",
        carrier="dhl_ecommerce",
        pattern="GM (or LX, RX, UV, CN, SG, TH, IN, HK, MY) + 10-39 digits",
        check="none",
        source=_JKEEN.format("dhl"),
        example="GM2951173225174494",
        match=intl.match_dhl_ecommerce,
    ),
)
"""Every format the detector knows, in tie-breaking order."""

MAX_LENGTH = 40  # the longest format is 34 characters; anything longer is not a number
_MAX_INPUT = 256  # generous room for separators; longer input is not worth normalising


def detect_carriers(text: str, *, min_confidence: float = 0.0) -> tuple[Candidate, ...]:
    """Ranked carrier candidates for a tracking number, best first, one per carrier."""
    if len(text) > _MAX_INPUT:
        return ()
    number = normalise_tracking_number(text)
    if not number or len(number) > MAX_LENGTH:
        return ()
    best: dict[str, tuple[Candidate, int]] = {}
    for order, fmt in enumerate(FORMATS):
        candidate = fmt.match(number)
        if candidate is None or candidate.confidence < min_confidence:
            continue
        kept = best.get(candidate.carrier)
        if kept is None or candidate.confidence > kept[0].confidence:
            best[candidate.carrier] = (candidate, order)
    ranked = sorted(best.values(), key=lambda pair: (-pair[0].confidence, pair[1]))
    return tuple(candidate for candidate, _ in ranked)


def best_carrier(text: str, *, min_confidence: float = 0.8) -> Candidate | None:
    """The top candidate when it is confident enough to act on without asking, else None."""
    candidates = detect_carriers(text, min_confidence=min_confidence)
    return candidates[0] if candidates else None


def unrecognised(number: str) -> str:
    """The one reason every intake path gives for a number no carrier format matches."""
    return f"tracking number {number} was not recognised as any carrier's; give `carrier`"
