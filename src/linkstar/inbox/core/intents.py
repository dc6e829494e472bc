"""The intent taxonomy of the buyer inbox and how public labelled data maps onto it."""

from __future__ import annotations

from enum import StrEnum


class Intent(StrEnum):
    """What a buyer wants from a message; one per message."""

    where_is_my_order = "where_is_my_order"
    delivery_problem = "delivery_problem"
    return_request = "return_request"
    refund_request = "refund_request"
    cancel_order = "cancel_order"
    change_order = "change_order"
    shipping_question = "shipping_question"
    invoice_request = "invoice_request"
    payment_question = "payment_question"
    bulk_or_oem_inquiry = "bulk_or_oem_inquiry"
    price_negotiation = "price_negotiation"
    product_question = "product_question"
    complaint = "complaint"
    feedback = "feedback"
    account_help = "account_help"
    subscription = "subscription"
    human_agent = "human_agent"
    other = "other"


INTENTS: tuple[str, ...] = tuple(i.value for i in Intent)

# Bitext customer-support intents (CDLA-Sharing-1.0 sample) onto ours; unlisted ones are dropped.
BITEXT_INTENTS: dict[str, Intent] = {
    "track_order": Intent.where_is_my_order,
    "get_refund": Intent.refund_request,
    "track_refund": Intent.refund_request,
    "check_refund_policy": Intent.refund_request,
    "cancel_order": Intent.cancel_order,
    "check_cancellation_fee": Intent.cancel_order,
    "change_order": Intent.change_order,
    "change_shipping_address": Intent.change_order,
    "set_up_shipping_address": Intent.change_order,
    "delivery_options": Intent.shipping_question,
    "delivery_period": Intent.shipping_question,
    "check_invoice": Intent.invoice_request,
    "get_invoice": Intent.invoice_request,
    "check_payment_methods": Intent.payment_question,
    "payment_issue": Intent.payment_question,
    "place_order": Intent.product_question,
    "complaint": Intent.complaint,
    "review": Intent.feedback,
    "create_account": Intent.account_help,
    "edit_account": Intent.account_help,
    "delete_account": Intent.account_help,
    "switch_account": Intent.account_help,
    "recover_password": Intent.account_help,
    "registration_problems": Intent.account_help,
    "newsletter_subscription": Intent.subscription,
    "contact_customer_service": Intent.human_agent,
    "contact_human_agent": Intent.human_agent,
}


def map_bitext_intent(name: str) -> Intent | None:
    """Our intent for a Bitext intent name, None when it has no counterpart."""
    return BITEXT_INTENTS.get(name.strip().lower())
