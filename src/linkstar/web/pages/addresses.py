"""Addresses → Holds (the review queue) and Policy (the workspace's checking rules)."""

from __future__ import annotations

import json

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from linkstar.addresses import policy_store, reviews
from linkstar.addresses.core import FIELDS, AddressInput
from linkstar.addresses.models import AddressReview
from linkstar.addresses.policy_store import PolicyRejected
from linkstar.addresses.reviews import Decision, ReviewState
from linkstar.kit.errors import LinkStarError
from linkstar.web.context import ConsoleAction, ConsolePage
from linkstar.web.forms import FormState, text_fields
from linkstar.web.json_editor import parse_json, refused
from linkstar.workspace.core import Permission

router = APIRouter()
P = Permission
PAGE_SIZE = 25
EDIT_FIELDS = [f for f in FIELDS if f != "id"]
FIELD_LABELS = {
    "name": "Name",
    "company": "Company",
    "line1": "Address line 1",
    "line2": "Address line 2",
    "city": "City",
    "state": "State / province",
    "postcode": "Postcode",
    "country": "Country",
    "phone": "Phone",
    "email": "E-mail",
}
STATES = [s.value for s in ReviewState]
DONE_TEXT = {
    Decision.APPROVE: "approved",
    Decision.EDIT: "corrected and released",
    Decision.REJECT: "rejected",
}


@router.get("/addresses", response_class=HTMLResponse)
def addresses_home(page: ConsolePage) -> Response:
    """The module's landing page is the hold queue."""
    page.principal.require(P.orders_read)
    return page.redirect("/addresses/holds")


@router.get("/addresses/holds", response_class=HTMLResponse)
def holds(page: ConsolePage, state: str = "pending", cursor: str = "") -> HTMLResponse:
    """Addresses held for a person, oldest first, with their reasons and suggestions."""
    page.principal.require(P.orders_read)
    chosen = ReviewState(state) if state in STATES else ReviewState.PENDING
    found = reviews.list_reviews(page.session, page.principal, chosen, PAGE_SIZE, cursor or None)
    return page.render(
        "addresses/holds.html",
        reviews=found.items,
        next_cursor=found.next_cursor,
        first_page=not cursor,
        state=chosen.value,
        states=STATES,
        pending=reviews.count_pending(page.session, page.principal.organisation_id),
        decided=None,
    )


def _suggested(review: AddressReview) -> dict[str, str]:
    """The edit form's starting point: the normalised address with the first suggestion for
    each field that was not applied."""
    values = {name: str(review.normalised.get(name, "")) for name in EDIT_FIELDS}
    taken: set[str] = set()
    for suggestion in review.suggestions:
        name = suggestion.get("field", "")
        if name in values and not suggestion.get("applied") and name not in taken:
            values[name] = str(suggestion.get("value", ""))
            taken.add(name)
    return values


def _detail(
    page: ConsolePage | ConsoleAction,
    review: AddressReview,
    state: FormState | None = None,
    status: int = 200,
) -> HTMLResponse:
    changed = {d["field"] for d in review.differences}
    rows = [
        (name, FIELD_LABELS[name], review.original.get(name, ""), review.normalised.get(name, ""))
        for name in EDIT_FIELDS
    ]
    final_rows = (
        [(FIELD_LABELS[n], review.final_address.get(n, "")) for n in EDIT_FIELDS]
        if review.final_address
        else []
    )
    return page.render(
        "addresses/hold.html",
        status=status,
        review=review,
        rows=rows,
        changed=changed,
        final_rows=final_rows,
        state=state or FormState(values=_suggested(review)),
        field_labels=FIELD_LABELS,
        edit_fields=EDIT_FIELDS,
    )


@router.get("/addresses/holds/{review_id}", response_class=HTMLResponse)
def hold(page: ConsolePage, review_id: str) -> HTMLResponse:
    """One held address: original beside normalised, reasons, suggestions and the decision."""
    review = reviews.get_review(page.session, page.principal, review_id)
    return _detail(page, review)


def _decide(page: ConsoleAction, review_id: str, decision: Decision) -> Response:
    page.principal.require(P.orders_write)
    comment = text_fields(page.form, ["comment"])["comment"]
    edited: AddressInput | None = None
    values: dict[str, str] = {}
    if decision is Decision.EDIT:
        values = text_fields(page.form, EDIT_FIELDS)
        edited = AddressInput(**values)
    try:
        review = reviews.decide(page.session, page.principal, review_id, decision, edited, comment)
    except LinkStarError as exc:
        page.session.rollback()
        if page.htmx:
            raise  # shown in the page's message area
        review = reviews.get_review(page.session, page.principal, review_id)
        state = FormState(values={**(values or _suggested(review)), "comment": comment})
        state.message = exc.message
        reasons = exc.details.get("reasons") if isinstance(exc.details, dict) else None
        for reason in reasons or []:
            if reason.get("severity") == "invalid" and reason.get("field") in EDIT_FIELDS:
                state.errors.setdefault(reason["field"], reason["message"])
        return _detail(page, review, state, exc.status)
    label = review.original.get("name") or review.subject_ref
    if page.htmx:
        return page.fragment("addresses/_hold_row.html", review=review, decided=True)
    return page.redirect("/addresses/holds", f"Address of {label} {DONE_TEXT[decision]}.")


@router.post("/addresses/holds/{review_id}/approve", response_class=HTMLResponse)
def approve(page: ConsoleAction, review_id: str) -> Response:
    """Release the address as normalised."""
    return _decide(page, review_id, Decision.APPROVE)


@router.post("/addresses/holds/{review_id}/edit", response_class=HTMLResponse)
def edit(page: ConsoleAction, review_id: str) -> Response:
    """Release a corrected address (re-checked first)."""
    return _decide(page, review_id, Decision.EDIT)


@router.post("/addresses/holds/{review_id}/reject", response_class=HTMLResponse)
def reject(page: ConsoleAction, review_id: str) -> Response:
    """Refuse to ship to this address."""
    return _decide(page, review_id, Decision.REJECT)


def _policy_page(
    page: ConsolePage | ConsoleAction,
    text: str | None = None,
    errors: list[dict[str, str]] | None = None,
    status: int = 200,
) -> HTMLResponse:
    found = policy_store.get_policy(page.session, page.principal)
    shown = json.dumps(found.policy.to_dict(), indent=2, ensure_ascii=False)
    return page.render(
        "addresses/policy.html",
        status=status,
        found=found,
        text=shown if text is None else text,
        errors=errors or [],
        options=POLICY_OPTIONS,
    )


@router.get("/addresses/policy", response_class=HTMLResponse)
def policy(page: ConsolePage) -> HTMLResponse:
    """The policy in force, editable as JSON by managers."""
    page.principal.require(P.orders_read)
    return _policy_page(page)


@router.post("/addresses/policy", response_class=HTMLResponse)
def policy_save(page: ConsoleAction) -> Response:
    """Validate and store the policy as the next version; problems are listed by path."""
    page.principal.require(P.workspace_manage)
    text = text_fields(page.form, ["policy"])["policy"]
    data, problems = parse_json(text)
    if problems:
        return _policy_page(page, text, problems, 422)
    try:
        found = policy_store.set_policy(page.session, page.principal, data)
    except PolicyRejected as exc:
        page.session.rollback()
        return _policy_page(page, text, refused(exc), 422)
    return page.redirect("/addresses/policy", f"Address policy version {found.version} in force.")


POLICY_OPTIONS: tuple[tuple[str, str], ...] = (
    ("block_military", "APO/FPO/DPO addresses are invalid (true) or pass (false)."),
    ("hold_po_box_unless_postal", "Hold PO boxes unless the parcel goes by a postal service."),
    ("forwarder_hold_score", "Hold addresses whose forwarder score reaches this (0 to 101)."),
    ("forwarder_block_score", "Refuse addresses whose forwarder score reaches this (101: never)."),
    ("require_phone_countries", "Countries whose carriers need the buyer's phone number."),
    ("auto_apply_corrections", "Apply confident corrections (verdict corrected) or hold them."),
    ("junk_is_invalid", "Keyboard mashing and placeholders are invalid (else held)."),
    ("review_invalid_phone", "Hold addresses whose phone number cannot be right."),
    ("review_invalid_email", "Hold addresses whose e-mail address cannot be right."),
    ("forwarder_hub_zips", "ZIPs where reshipping warehouses cluster (raise the score)."),
    ("forwarder_keywords", "Words and forwarder names that raise the score."),
    ("severity_overrides", "Reason code → info | correction | review | invalid."),
)
