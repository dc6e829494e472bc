"""Approval policy: refunds above the limit, legal threats, angry high-value buyers, leads."""

import pytest

from linkstar.inbox.core.automation.approval import (
    ApprovalPolicy,
    Money,
    ReplyContext,
    money_from_entities,
    needs_approval,
)
from linkstar.inbox.core.entities import extract_entities

R = ReplyContext
REFUND = ["refund_above_limit"]


def codes(ctx: ReplyContext, policy: ApprovalPolicy | None = None) -> list[str]:
    return [r.code for r in needs_approval(ctx, policy).reasons]


def test_a_plain_reply_needs_no_approval() -> None:
    decision = needs_approval(
        ReplyContext("Your parcel is on its way.", "Where is my order?", "where_is_my_order")
    )
    assert decision.required is False and decision.reasons == ()


@pytest.mark.parametrize(
    ("ctx", "expected"),
    [
        (R("We refunded you.", refund_offered=Money(5001, "EUR")), REFUND),
        (R("We refunded you.", refund_offered=Money(5000, "EUR")), []),
        # No offer in the reply: the order total counts when the buyer asks for a refund.
        (R("OK", intent="refund_request", order_total=Money(9900, "USD")), REFUND),
        # The reply mentions a refund; the buyer named a price.
        (R("We will issue a refund", prices=(Money(12000, "GBP"),)), REFUND),
        # A currency without a limit is not judged.
        (R("Refund done", refund_offered=Money(10**9, "JPY")), []),
        # Not about a refund at all: the order total alone does not matter.
        (R("Thanks!", intent="feedback", order_total=Money(99900, "USD")), []),
    ],
)
def test_refund_limits(ctx: ReplyContext, expected: list[str]) -> None:
    assert codes(ctx) == expected


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("I will talk to my lawyer", "lawyer"),
        ("My bank will do a chargeback", "chargeback"),
        ("Ich schalte meinen Anwalt ein", "anwalt"),
        ("Voy a hablar con mi abogado", "abogado"),
        ("Je vais contacter mon avocat", "avocat"),
        ("Vou falar com meu advogado", "advogado"),
        ("我要找律师", "律师"),
        ("I'll take you to court", "court"),
    ],
)
def test_legal_threat_words_in_six_languages(text: str, word: str) -> None:
    decision = needs_approval(ReplyContext("We are sorry.", text))
    assert [(r.code, r.detail) for r in decision.reasons] == [
        ("legal_threat", f"legal-threat words: {word}")
    ]


def test_words_inside_other_words_do_not_count() -> None:
    assert codes(ReplyContext("No issue at all", "The courtyard issue is fixed")) == []


def test_angry_high_value_buyer() -> None:
    angry = ReplyContext(
        "Sorry", sentiment="negative", urgency="high", buyer_lifetime_value=Money(60000, "USD")
    )
    assert codes(angry) == ["angry_high_value_buyer"]
    calm = ReplyContext(
        "Sorry", sentiment="negative", urgency="normal", buyer_lifetime_value=Money(60000, "USD")
    )
    assert codes(calm) == []
    small = ReplyContext(
        "Sorry", sentiment="negative", urgency="high", buyer_lifetime_value=Money(100, "USD")
    )
    assert codes(small) == []


def test_first_reply_to_a_b2b_lead() -> None:
    lead = ReplyContext("Our MOQ is 200", intent="bulk_or_oem_inquiry", first_reply=True)
    assert needs_approval(lead).reasons[0].detail == "first reply to a bulk_or_oem_inquiry lead"
    assert codes(ReplyContext("MOQ 200", intent="price_negotiation", first_reply=False)) == []
    assert codes(lead, ApprovalPolicy(first_lead_reply=False)) == []


def test_every_reason_is_reported() -> None:
    ctx = ReplyContext(
        "We will refund 80 EUR",
        "Refund now or my lawyer calls",
        intent="refund_request",
        sentiment="negative",
        urgency="high",
        refund_offered=Money(8000, "EUR"),
        buyer_lifetime_value=Money(70000, "EUR"),
    )
    assert codes(ctx) == ["refund_above_limit", "legal_threat", "angry_high_value_buyer"]
    assert needs_approval(ctx).reasons[0].detail == "refund of 80.00 EUR above 50.00 EUR"


def test_prices_from_entities_in_minor_units() -> None:
    entities = extract_entities("Please refund $59.99 or 12,50 € for the second one")
    assert money_from_entities(entities) == (Money(5999, "USD"), Money(1250, "EUR"))
