"""Compliance lint: channel rules as data, findings with rule id, severity and span."""

import json
from importlib import resources

import pytest

from linkstar.inbox.core.compliance import (
    CHANNELS,
    Attachment,
    Outgoing,
    Severity,
    default_rules,
    lint,
    parse_rules,
)
from linkstar.kit.errors import InvalidInput

OK_HEADERS = {
    "List-Unsubscribe": "<https://shop.example/unsubscribe?t=abc>, <mailto:unsub@shop.example>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
}


def ids(result):
    return [f.rule_id for f in result.findings]


def test_a_plain_service_reply_passes_everywhere():
    body = "Hello Emily, your order 112-3456789-1234567 left our warehouse today. Best regards"
    for channel in CHANNELS:
        result = lint(Outgoing(channel, body, message_type="customer_service_reply"))
        assert result.findings == (), channel
        assert result.ok


@pytest.mark.parametrize(
    ("text", "rule_id", "excerpt"),
    [
        ("Our best seller mug", "claim.best_seller", "best seller"),
        ("the #1 rated kettle", "claim.number_one", "#1"),
        ("a top-rated blender", "claim.top_rated", "top-rated"),
        ("Amazon's Choice since 2024", "claim.amazon_choice", "Amazon's Choice"),
        ("100% guaranteed to work", "claim.guarantee", "100% guaranteed"),
        ("clinically proven formula", "claim.health", "clinically proven"),
        ("the cheapest on the market", "claim.cheapest", "cheapest"),
        ("nuestro producto más vendido", "claim.best_seller", "más vendido"),
        ("全网最低价", "claim.cheapest", "全网最低"),
    ],
)
def test_forbidden_claims_on_every_channel(text, rule_id, excerpt):
    for channel in CHANNELS:
        result = lint(Outgoing(channel, text, message_type="customer_service_reply"))
        finding = next(f for f in result.findings if f.rule_id == rule_id)
        assert finding.severity is Severity.error
        assert text[finding.start : finding.end] == excerpt
        assert not result.ok


def test_amazon_blocks_external_links_but_allows_amazon():
    body = "See https://www.mystore.com/sale or https://www.amazon.com/dp/B08N5WRWNW"
    result = lint(Outgoing("amazon", body, message_type="customer_service_reply"))
    (finding,) = result.findings
    assert (finding.rule_id, finding.excerpt) == ("link.external", "https://www.mystore.com/sale")
    assert body[finding.start : finding.end] == "https://www.mystore.com/sale"


def test_tiktok_forbids_all_links_email_allows_them():
    assert ids(lint(Outgoing("tiktok", "go to www.amazon.com"))) == ["link.external"]
    assert ids(lint(Outgoing("email", "go to https://shop.example/help"))) == []


def test_insecure_links_warn():
    result = lint(Outgoing("email", "see http://shop.example/help"))
    assert [(f.rule_id, f.severity) for f in result.findings] == [
        ("link.insecure", Severity.warning)
    ]
    assert result.ok


def test_marketing_is_an_error_on_amazon_a_warning_on_ebay():
    body = "Use coupon code SAVE10 and check out our new collection"
    amazon = lint(Outgoing("amazon", body, message_type="customer_service_reply"))
    assert {f.rule_id for f in amazon.findings} == {"marketing.language"}
    assert {f.severity for f in amazon.findings} == {Severity.error}
    ebay = lint(Outgoing("ebay", body))
    assert {f.severity for f in ebay.findings} == {Severity.warning}
    assert lint(Outgoing("shopify", body)).findings == ()


def test_phone_numbers_warn_on_marketplaces_but_order_ids_do_not():
    result = lint(
        Outgoing(
            "ebay",
            "Order 12-34567-89012: call me on +44 20 7946 0958",
            message_type="customer_service_reply",
        )
    )
    assert [(f.rule_id, f.severity, f.excerpt) for f in result.findings] == [
        ("contact.phone", Severity.warning, "+44 20 7946 0958")
    ]


def test_review_manipulation_and_contact_details_on_amazon():
    body = "Leave a 5-star review and email me at seller@shop.example"
    result = lint(Outgoing("amazon", body, message_type="review_request"))
    assert ids(result) == ["review.manipulation", "contact.email"]


def test_amazon_message_types_and_opt_out():
    assert ids(lint(Outgoing("amazon", "Hello"))) == ["type.missing"]
    assert (
        ids(lint(Outgoing("amazon", "Hello", message_type="promotion")))
        == ["type.not_permitted", "optout.honour"][:1]
    )
    opted_out = lint(
        Outgoing("amazon", "Hello", message_type="review_request", buyer_opted_out=True)
    )
    assert ids(opted_out) == ["optout.honour"]
    critical = lint(
        Outgoing("amazon", "Hello", message_type="order_fulfillment_issue", buyer_opted_out=True)
    )
    assert critical.findings == ()


def test_markup_and_scripts():
    result = lint(Outgoing("amazon", "<b>Hi</b>", message_type="customer_service_reply"))
    assert ids(result) == ["html.markup", "html.markup"]
    script = lint(Outgoing("email", '<p onclick="x()">hi</p><script>alert(1)</script>'))
    assert "html.script" in ids(script)
    assert not script.ok


def test_attachments_by_type_and_size():
    result = lint(
        Outgoing(
            "amazon",
            "Invoice attached",
            message_type="invoice",
            attachments=(
                Attachment("invoice.pdf", 1000),
                Attachment("setup.exe", 10),
                Attachment("photo.jpg", 11 * 1024 * 1024),
            ),
        )
    )
    assert ids(result) == ["attachment.size", "attachment.type"]
    assert [f.excerpt for f in result.findings] == ["photo.jpg", "setup.exe"]


def test_length_limit():
    assert ids(lint(Outgoing("ebay", "x" * 2001))) == ["length.max"]


def test_email_outreach_needs_rfc8058_headers():
    assert ids(lint(Outgoing("email", "News", outreach=True))) == [
        "email.list_unsubscribe",
        "email.list_unsubscribe_post",
    ]
    mailto_only = lint(
        Outgoing(
            "email",
            "News",
            outreach=True,
            headers={
                "List-Unsubscribe": "<mailto:u@shop.example>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
    )
    assert ids(mailto_only) == ["email.list_unsubscribe_https"]
    wrong_post = lint(
        Outgoing(
            "email",
            "News",
            outreach=True,
            headers={**OK_HEADERS, "List-Unsubscribe-Post": "List-Unsubscribe=Yes"},
        )
    )
    assert ids(wrong_post) == ["email.list_unsubscribe_post"]
    assert lint(Outgoing("email", "News", outreach=True, headers=OK_HEADERS)).findings == ()
    # Replies are not outreach: no headers needed.
    assert lint(Outgoing("email", "Your order shipped")).findings == ()


def test_unknown_channel_is_a_clear_error():
    with pytest.raises(InvalidInput, match="unknown channel 'whatsapp'; known channels: amazon"):
        lint(Outgoing("whatsapp", "hi"))


def test_huge_body_is_refused():
    with pytest.raises(InvalidInput, match="at most 1,000,000"):
        lint(Outgoing("email", "x" * 1_000_001))


def test_rules_file_is_data_and_bad_rules_are_reported():
    shipped = resources.files("linkstar.inbox").joinpath("data/channel_rules.json").read_text()
    data = json.loads(shipped)
    assert set(data["channels"]) == set(CHANNELS)
    assert default_rules().channels["amazon"].link_policy == "allow_domains"
    with pytest.raises(InvalidInput, match="not JSON"):
        parse_rules("{")
    data["channels"]["amazon"]["marketing"] = "sometimes"
    with pytest.raises(InvalidInput, match=r"amazon\.marketing: 'sometimes'"):
        parse_rules(json.dumps(data))
    data = json.loads(shipped)
    data["forbidden_claims"][0]["pattern"] = "("
    with pytest.raises(InvalidInput, match="bad pattern"):
        parse_rules(json.dumps(data))
    data = json.loads(shipped)
    del data["channels"]["ebay"]["links"]
    with pytest.raises(InvalidInput, match="missing or invalid field"):
        parse_rules(json.dumps(data))
