"""Mapping real carrier codes and texts (from their documentation) into the vocabulary."""

from __future__ import annotations

import pytest

from linkstar.tracking.core import (
    UNMAPPED,
    MappingTableError,
    Status,
    SubStatus,
    normalise,
    parse_table,
    table_for,
)
from linkstar.tracking.core.mapping import fold_text, phrase_in

CASES = [
    # USPS event codes (Web Tools / Tracking v3) with their USPS.com texts
    ("usps", "01", "Delivered, In/At Mailbox", "delivered"),
    ("usps", "01", "Delivered, Front Desk/Reception/Mail Room", "delivered/delivered_to_agent"),
    (
        "usps",
        "01",
        "Delivered, Individual Picked Up at Post Office",
        "delivered/picked_up_by_recipient",
    ),
    ("usps", "01", "Delivered, To Original Sender", "returned"),
    ("usps", "17", "Picked Up By Agent", "delivered/delivered_to_agent"),
    ("usps", "OF", "Out for Delivery", "out_for_delivery"),
    (
        "usps",
        "02",
        "Notice Left (No Authorized Recipient Available)",
        "failed_attempt/recipient_unavailable",
    ),
    ("usps", "02", "Notice Left", "failed_attempt"),
    ("usps", "53", "Notice Left (Receptacle Blocked)", "failed_attempt/access_issue"),
    ("usps", "54", "Notice Left (Receptacle Full/Item Oversized)", "failed_attempt/access_issue"),
    ("usps", "51", "Business Closed", "failed_attempt/business_closed"),
    ("usps", "16", "Available for Pickup", "available_for_pickup"),
    ("usps", "04", "Refused", "exception/refused"),
    ("usps", "05", "Undeliverable as Addressed", "exception/address_issue"),
    ("usps", "09", "Return to Sender", "returning_to_sender"),
    ("usps", "21", "No Such Number", "returning_to_sender/address_issue"),
    ("usps", "23", "Moved, Left No Address", "returning_to_sender/recipient_moved"),
    ("usps", "27", "Unclaimed", "returning_to_sender/unclaimed"),
    ("usps", "31", "Not Picked Up", "returning_to_sender/unclaimed"),
    (
        "usps",
        "MA",
        "Pre-Shipment Info Sent to USPS, USPS Awaiting Item",
        "info_received/label_created",
    ),
    ("usps", "03", "USPS in possession of item", "in_transit/picked_up"),
    ("usps", "07", "Arrival at Unit", "in_transit/arrived_at_facility"),
    ("usps", "10", "Processed Through Facility", "in_transit/processed_at_facility"),
    ("usps", "EF", "Departed USPS Regional Facility", "in_transit/departed_facility"),
    ("usps", "08", "Missent", "in_transit/misrouted"),
    ("usps", "DX", "Delivery Status Not Updated", "exception"),
    ("usps", "", "Held in Customs", "exception/customs_hold"),
    ("usps", "", "Inbound Out of Customs", "in_transit/customs_released"),
    ("usps", "", "Customs Clearance Processing Complete", "in_transit/customs_released"),
    ("usps", "", "Inbound Into Customs", "in_transit/customs_processing"),
    # UPS Track API: "<type>/<code>" with the texts UPS sends
    (
        "ups",
        "M/MP",
        "Shipper created a label, UPS has not received the package yet.",
        "info_received/label_created",
    ),
    ("ups", "P/PU", "Pickup Scan", "in_transit/picked_up"),
    ("ups", "I/OR", "Origin Scan", "in_transit/picked_up"),
    ("ups", "I/AR", "Arrived at Facility", "in_transit/arrived_at_facility"),
    ("ups", "I/DP", "Departed from Facility", "in_transit/departed_facility"),
    ("ups", "I/EP", "Export Scan", "in_transit/departed_origin_country"),
    ("ups", "I/IP", "Import Scan", "in_transit/arrived_destination_country"),
    (
        "ups",
        "I/SR",
        "Your package was released by the customs agency.",
        "in_transit/customs_released",
    ),
    ("ups", "I/OT", "Out For Delivery Today", "out_for_delivery"),
    ("ups", "O/OF", "Out For Delivery", "out_for_delivery"),
    ("ups", "D/FS", "DELIVERED", "delivered"),
    (
        "ups",
        "X/48",
        "The receiver was not available for delivery. "
        "We'll make a second attempt the next business day.",
        "failed_attempt/recipient_unavailable",
    ),
    ("ups", "X/RB", "The receiver refused the delivery.", "exception/refused"),
    ("ups", "X/AJ", "The address is incomplete.", "exception/address_issue"),
    ("ups", "X/CQ", "Clearance Information Required", "exception/customs_information_required"),
    (
        "ups",
        "X/WX",
        "Severe weather conditions have delayed delivery.",
        "exception/delayed_weather",
    ),
    ("ups", "X/DM", "Damage Reported", "exception/damaged"),
    ("ups", "X/LF", "Sent to Lost and Found", "exception/lost"),
    ("ups", "X/ZZ", "Exception: Action Required", "exception"),
    ("ups", "I/RT", "Returning to Sender: In Transit", "returning_to_sender"),
    ("ups", "X/RQ", "Return to Sender Requested", "returning_to_sender"),
    ("ups", "RS/RS", "Returned to Sender", "returned"),
    (
        "ups",
        "X/AP",
        "Delivered to UPS Access Point™ Awaiting Customer Pickup",
        "available_for_pickup",
    ),
    ("ups", "MV/MV", "Billing Information Voided", "exception/cancelled"),
    # FedEx Track API: "<derivedStatusCode>/<eventType>" (texts from FedEx sandbox payloads)
    ("fedex", "IN/OC", "Shipment information sent to FedEx", "info_received/label_created"),
    ("fedex", "PU/PU", "Picked up", "in_transit/picked_up"),
    ("fedex", "IT/AR", "Arrived at FedEx location", "in_transit/arrived_at_facility"),
    ("fedex", "IT/DP", "Left FedEx origin facility", "in_transit/departed_facility"),
    ("fedex", "IT/IT", "In transit", "in_transit"),
    ("fedex", "IT/OD", "On FedEx vehicle for delivery", "out_for_delivery"),
    ("fedex", "DL/DL", "Delivered", "delivered"),
    (
        "fedex",
        "DE/DE",
        "Delivery exception Customer not available or business closed",
        "failed_attempt/recipient_unavailable",
    ),
    (
        "fedex",
        "DE/DE",
        "Delivery exception Incorrect address - Apartment number or suite missing",
        "exception/address_issue",
    ),
    (
        "fedex",
        "DE/DE",
        "Delivery exception FedEx redirected your package to a nearby FedEx location",
        "exception/forwarded",
    ),
    ("fedex", "DE/DE", "Delivery exception", "exception"),
    (
        "fedex",
        "DL/RS",
        "Returning package to shipper Shipper requested shipment to be returned - "
        "Unable to deliver shipment - Returning to shipper",
        "returning_to_sender",
    ),
    (
        "fedex",
        "IT/HP",
        "Ready for recipient pickup "
        "Package available for pickup at FedEx Office: 2201 SHATTUCK AVE",
        "available_for_pickup",
    ),
    ("fedex", "SE/CD", "Clearance delay", "exception/customs_hold"),
    ("fedex", "IT/CC", "International shipment release - Import", "in_transit/customs_released"),
    ("fedex", "SE/SE", "Shipment exception Weather delay", "exception/delayed_weather"),
    # DHL Shipment Tracking - Unified API: statusCode + "status description"
    ("dhl", "unknown", "LABEL CREATED", "info_received/label_created"),
    ("dhl", "pre-transit", "EN ROUTE TO DHL ECOMMERCE OR AWAITING PROCESSING", "info_received"),
    ("dhl", "pre-transit", "Shipment information received", "info_received/label_created"),
    ("dhl", "transit", "Shipment picked up", "in_transit/picked_up"),
    (
        "dhl",
        "transit",
        "PACKAGE RECEIVED AT DHL ECOMMERCE DISTRIBUTION CENTER",
        "in_transit/arrived_at_facility",
    ),
    ("dhl", "transit", "PROCESSED AT DHL FACILITY", "in_transit/processed_at_facility"),
    ("dhl", "transit", "Departed Facility in LEIPZIG - GERMANY", "in_transit/departed_facility"),
    ("dhl", "transit", "Customs status updated", "in_transit/customs_processing"),
    (
        "dhl",
        "transit",
        "Clearance processing complete at NEW YORK - USA",
        "in_transit/customs_released",
    ),
    (
        "dhl",
        "transit",
        "The shipment has arrived in the destination country",
        "in_transit/arrived_destination_country",
    ),
    ("dhl", "transit", "With delivery courier", "out_for_delivery"),
    (
        "dhl",
        "transit",
        "The shipment has been loaded onto the delivery vehicle",
        "out_for_delivery",
    ),
    ("dhl", "transit", "Awaiting collection by recipient as requested", "available_for_pickup"),
    ("dhl", "delivered", "Delivered - Signed for by: JESSICA", "delivered"),
    (
        "dhl",
        "delivered",
        "The shipment has been delivered to the Packstation",
        "available_for_pickup",
    ),
    (
        "dhl",
        "failure",
        "Delivery attempted; recipient not home",
        "failed_attempt/recipient_unavailable",
    ),
    ("dhl", "failure", "Recipient refused delivery", "exception/refused"),
    ("dhl", "failure", "Incorrect or incomplete address", "exception/address_issue"),
    (
        "dhl",
        "failure",
        "Shipment held - Available upon receipt of payment",
        "exception/payment_required",
    ),
    ("dhl", "failure", "Shipment on hold", "exception/held_at_facility"),
    ("dhl", "failure", "Something unexpected", "exception"),
    ("dhl", "transit", "Shipment is being returned to shipper", "returning_to_sender"),
    ("dhl", "delivered", "Returned to shipper", "returned"),
    # 17TRACK v2.2 "<status>/<sub_status>"
    ("17track", "NotFound/NotFound_Other", "", "pending/not_found"),
    ("17track", "NotFound/NotFound_InvalidCode", "", "exception/not_found"),
    ("17track", "InfoReceived/InfoReceived", "", "info_received"),
    ("17track", "InTransit/InTransit_PickedUp", "", "in_transit/picked_up"),
    ("17track", "InTransit/InTransit_Departure", "", "in_transit/departed_origin_country"),
    ("17track", "InTransit/InTransit_Arrival", "", "in_transit/arrived_destination_country"),
    ("17track", "InTransit/InTransit_CustomsProcessing", "", "in_transit/customs_processing"),
    ("17track", "InTransit/InTransit_CustomsReleased", "", "in_transit/customs_released"),
    (
        "17track",
        "InTransit/InTransit_CustomsRequiringInformation",
        "",
        "exception/customs_information_required",
    ),
    ("17track", "Expired/Expired_Other", "", "expired"),
    ("17track", "AvailableForPickup/AvailableForPickup_Other", "", "available_for_pickup"),
    ("17track", "OutForDelivery/OutForDelivery_Other", "", "out_for_delivery"),
    (
        "17track",
        "DeliveryFailure/DeliveryFailure_NoBody",
        "",
        "failed_attempt/recipient_unavailable",
    ),
    ("17track", "DeliveryFailure/DeliveryFailure_Rejected", "", "failed_attempt/refused"),
    (
        "17track",
        "DeliveryFailure/DeliveryFailure_InvalidAddress",
        "",
        "failed_attempt/address_issue",
    ),
    ("17track", "Delivered/Delivered_Other", "", "delivered"),
    ("17track", "Exception/Exception_Returning", "", "returning_to_sender"),
    ("17track", "Exception/Exception_Returned", "", "returned"),
    ("17track", "Exception/Exception_Lost", "", "exception/lost"),
    ("17track", "Exception/Exception_Destroyed", "", "exception/destroyed"),
    ("17track", "Exception/Exception_Cancel", "", "exception/cancelled"),
    ("17track", "Delivered", "", "delivered"),
    # AfterShip "<tag>/<subtag>"
    ("aftership", "Pending/Pending_001", "", "pending"),
    ("aftership", "InfoReceived/InfoReceived_001", "", "info_received"),
    ("aftership", "InTransit/InTransit_002", "Acceptance scan", "in_transit/picked_up"),
    (
        "aftership",
        "InTransit/InTransit_006",
        "Customs clearance started",
        "in_transit/customs_processing",
    ),
    ("aftership", "InTransit/InTransit_007", "Departure Scan", "in_transit/departed_facility"),
    ("aftership", "OutForDelivery/OutForDelivery_001", "", "out_for_delivery"),
    (
        "aftership",
        "AttemptFail/AttemptFail_002",
        "Addressee not available",
        "failed_attempt/recipient_unavailable",
    ),
    (
        "aftership",
        "AttemptFail/AttemptFail_003",
        "Business Closed",
        "failed_attempt/business_closed",
    ),
    ("aftership", "AvailableForPickup/AvailableForPickup_001", "", "available_for_pickup"),
    (
        "aftership",
        "Delivered/Delivered_002",
        "Picked up by the customer",
        "delivered/picked_up_by_recipient",
    ),
    ("aftership", "Exception/Exception_003", "Customer refused delivery", "exception/refused"),
    (
        "aftership",
        "Exception/Exception_004",
        "Delayed (Customs clearance)",
        "exception/customs_hold",
    ),
    ("aftership", "Exception/Exception_007", "Incorrect Address", "exception/address_issue"),
    ("aftership", "Exception/Exception_010", "Returning to sender", "returning_to_sender"),
    ("aftership", "Exception/Exception_011", "Returned to sender", "returned"),
    ("aftership", "Exception/Exception_013", "Shipment lost", "exception/lost"),
    (
        "aftership",
        "Exception/Exception_017",
        "Delayed (Extreme weather)",
        "exception/delayed_weather",
    ),
    ("aftership", "Expired/Expired_001", "", "expired"),
]


@pytest.mark.parametrize(("carrier", "code", "text", "expected"), CASES)
def test_documented_codes_map_to_the_vocabulary(carrier, code, text, expected):
    status, _, sub = expected.partition("/")
    result = normalise(carrier, code, text)
    assert (result.status, result.sub_status) == (Status(status), SubStatus(sub) if sub else None)
    assert result.rule_id is not None and result.rule_id.startswith(f"{carrier}:")


UNKNOWN = [
    ("usps", "99", "Some brand-new USPS event"),
    ("usps", "", ""),
    ("ups", "ZZ/ZZ", "Mystery"),
    ("ups", "NA/NA", "Not Available"),
    ("fedex", "ZZ/QQ", "Unheard of"),
    ("fedex", "IT/ZZ", "Returning is being considered"),  # guarded fallback refuses to guess
    ("dhl", "transit", "Shipment could not be delivered, see remark"),
    ("dhl", "unknown", "CLOSE BAG"),
    ("dhl", "pre-transit", "DELIVERED"),
    ("17track", "InTransit/InTransit_SomethingNew", ""),
    ("17track", "Exception/Exception_Unheard", ""),
    ("aftership", "Exception/Exception_099", ""),
    ("aftership", "InTransit/InTransit_099", ""),
    ("no-such-carrier", "01", "Delivered"),
]


@pytest.mark.parametrize(("carrier", "code", "text"), UNKNOWN)
def test_unknown_codes_are_unmapped_never_in_transit(carrier, code, text):
    assert normalise(carrier, code, text) == UNMAPPED
    assert normalise(carrier, code, text).status is Status.UNMAPPED


def test_codes_and_carriers_are_case_and_space_insensitive():
    assert normalise(" UPS ", " d / fs ", "delivered").status is Status.DELIVERED
    assert normalise("AfterShip", "exception/exception_010", None).status is (
        Status.RETURNING_TO_SENDER
    )
    assert normalise("dhl_express", "TRANSIT", "with delivery courier").status is (
        Status.OUT_FOR_DELIVERY
    )
    assert normalise("17track", None, None) == UNMAPPED


def test_two_level_codes_need_both_parts():
    # A sub-status alone is not the documented "<status>/<sub_status>" form: not guessed.
    assert normalise("17track", "Exception_Returning", "") == UNMAPPED


def test_phrases_match_whole_words_only():
    assert phrase_in("refused", fold_text("The receiver REFUSED the delivery."))
    assert not phrase_in("refused", fold_text("Unrefused package"))
    assert phrase_in("no such number", fold_text("No-Such  Number!"))
    assert phrase_in("退回", fold_text("包裹已退回寄件人"))  # unspaced scripts: substring


def test_table_lookup_by_alias():
    table = table_for("DHL_Express")
    assert table is not None and table.name == "dhl"
    assert table_for("nobody") is None


VALID_TABLE = {
    "table": "demo",
    "version": "1",
    "code_format": "demo",
    "sources": ["tests"],
    "rules": [{"id": "a", "codes": ["X"], "status": "delivered"}],
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"rules": []}, "non-empty list"),
        ({"sources": []}, "sources"),
        ({"extra": 1}, "unknown keys"),
        ({"rules": [{"id": "a", "status": "delivered"}]}, "no catch-all"),
        ({"rules": [{"id": "a", "codes": ["*"], "status": "delivered"}]}, "no catch-all"),
        ({"rules": [{"id": "a", "codes": ["X"], "status": "teleported"}]}, "teleported"),
        ({"rules": [{"id": "a", "codes": ["X"], "status": "unmapped"}]}, "unmapped"),
        (
            {
                "rules": [
                    {"id": "a", "codes": ["X"], "status": "exception", "sub_status": "abducted"}
                ]
            },
            "abducted",
        ),
        (
            {"rules": [{"id": "a", "codes": ["X"], "status": "delivered", "colour": "red"}]},
            "unknown keys",
        ),
        ({"rules": [{"id": "a", "codes": ["X"], "status": "delivered"}] * 2}, "used twice"),
        (
            {"rules": [{"id": "a", "codes": "X", "status": "delivered"}]},
            "list of non-empty strings",
        ),
    ],
)
def test_malformed_tables_are_rejected_with_the_reason(change, message):
    with pytest.raises(MappingTableError, match=message):
        parse_table(VALID_TABLE | change)


def test_a_table_must_be_an_object():
    with pytest.raises(MappingTableError, match="JSON object"):
        parse_table([VALID_TABLE])  # type: ignore[arg-type]


def test_a_valid_table_parses_and_first_match_wins():
    table = parse_table(
        VALID_TABLE
        | {
            "rules": [
                {"id": "ret", "codes": ["X/*"], "any": ["return"], "status": "returning_to_sender"},
                {"id": "x", "codes": ["X/*"], "none": ["lost"], "status": "exception"},
            ]
        }
    )
    assert table.match("x/1", "return to sender").status is Status.RETURNING_TO_SENDER
    assert table.match("X/2", "delay").rule_id == "demo:x"
    assert table.match("X/2", "lost in transit") == UNMAPPED
    assert table.match("X", "delay") == UNMAPPED  # one part is not two
