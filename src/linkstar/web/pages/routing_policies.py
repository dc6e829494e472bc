"""Routing policies: the JSON editor with every problem shown at its path, versions, and a
dry run over pasted parcels. The same services as the API.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from linkstar.kit.errors import InvalidInput, LinkStarError
from linkstar.rating import routing, routing_policies
from linkstar.rating.routing import record_values
from linkstar.web.context import ConsoleAction, ConsolePage, Page
from linkstar.web.forms import FormState, checkbox, text_fields
from linkstar.web.json_editor import Problem, listed, parse_json
from linkstar.web.pages.routing import render
from linkstar.workspace.core import Permission

router = APIRouter()
P = Permission
EXAMPLE_POLICY = {
    "name": "promise first",
    "filters": [{"id": "promise", "max_p90_over_promise_days": 0}],
    "objective": {"mode": "weighted", "weights": {"cost": 1, "on_time": 0.5, "success": 0.2}},
}


def policy_body(text: str, state: FormState) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The policy JSON object from the editor's text, or None and its problems (flagged on
    `state`)."""
    body, problems = parse_json(text)
    if problems:
        state.errors["body"] = "see the problems below"
        state.message = "The policy is not a JSON object."
    return body, problems


def policy_problems(state: FormState, exc: LinkStarError) -> list[Problem]:
    """Every problem (path, reason) of a refused policy, flagged on the editor's field."""
    found = listed(exc)
    if found:
        state.errors["body"] = "see the problems below"
    return found


def _policy_form(
    page: Page,
) -> tuple[FormState, dict[str, Any] | None, int, bool, list[Problem]]:
    values = text_fields(page.form, ["body", "precedence"])
    enabled = checkbox(page.form, "enabled")
    state = FormState(values={**values, "enabled": enabled})
    try:
        precedence = int(values["precedence"] or 100)
        if not 0 <= precedence <= 1_000_000:
            raise ValueError
    except ValueError:
        state.errors["precedence"] = "a whole number from 0"
        state.message = "Precedence must be a whole number from 0."
        return state, None, 0, enabled, []
    body, problems = policy_body(values["body"], state)
    return state, body, precedence, enabled, problems


@router.get("/routing/policies", response_class=HTMLResponse)
def policies(page: ConsolePage) -> HTMLResponse:
    """The live version of each policy, and the form for a new one."""
    rows = routing_policies.policies(page.session, page.principal)
    state = FormState(values={"body": json.dumps(EXAMPLE_POLICY, indent=2), "enabled": True})
    return render(page, "routing/policies.html", policies=rows, state=state, problems=[])


@router.post("/routing/policies", response_class=HTMLResponse)
def policy_create(page: ConsoleAction) -> Response:
    """Create a policy from the JSON editor; every problem is shown with its path."""
    page.principal.require(P.routing_manage)
    state, body, precedence, enabled, problems = _policy_form(page)
    if body is not None:
        try:
            row = routing_policies.create_policy(
                page.session, page.principal, body, precedence, enabled
            )
            return page.redirect(f"/routing/policies/{row.id}", f"Policy {row.name} created.")
        except LinkStarError as exc:
            page.session.rollback()
            state.message = exc.message
            problems = policy_problems(state, exc)
    rows = routing_policies.policies(page.session, page.principal)
    return render(page, "routing/policies.html", 422, policies=rows, state=state, problems=problems)


def _policy_page(
    page: Page, policy_id: str, state: FormState | None = None, status: int = 200, **extra: Any
) -> HTMLResponse:
    row = routing_policies.get_policy(page.session, page.principal, policy_id)
    versions = routing_policies.policy_versions(page.session, page.principal, policy_id)
    if state is None:
        state = FormState(
            values={
                "body": json.dumps(row.body, indent=2),
                "precedence": row.precedence,
                "enabled": row.enabled,
            }
        )
    context: dict[str, Any] = {
        "policy": row,
        "versions": versions,
        "state": state,
        "problems": [],
        "dry_run": None,
        "dry_error": "",
        "parcels_text": "",
    }
    context.update(extra)
    return render(page, "routing/policy.html", status, **context)


@router.get("/routing/policies/{policy_id}", response_class=HTMLResponse)
def policy(page: ConsolePage, policy_id: str) -> HTMLResponse:
    """One policy version: the editor, the dry run and the versions."""
    return _policy_page(page, policy_id)


@router.post("/routing/policies/{policy_id}", response_class=HTMLResponse)
def policy_version(page: ConsoleAction, policy_id: str) -> Response:
    """Save the editor as the next version."""
    page.principal.require(P.routing_manage)
    routing_policies.get_policy(page.session, page.principal, policy_id)  # 404 before parsing
    state, body, precedence, enabled, problems = _policy_form(page)
    if body is not None:
        try:
            row = routing_policies.add_policy_version(
                page.session, page.principal, policy_id, body, precedence, enabled
            )
            return page.redirect(
                f"/routing/policies/{row.id}", f"Saved {row.name} version {row.version}."
            )
        except LinkStarError as exc:
            page.session.rollback()
            state.message = exc.message
            problems = policy_problems(state, exc)
    return _policy_page(page, policy_id, state, 422, problems=problems)


@router.post("/routing/policies/{policy_id}/dry-run", response_class=HTMLResponse)
def policy_dry_run(page: ConsoleAction, policy_id: str) -> HTMLResponse:
    """Decide the pasted parcels with this version; nothing is stored."""
    row = routing_policies.get_policy(page.session, page.principal, policy_id)
    text = str(page.form.get("parcels") or "")[:200_000]
    rows = list(csv.DictReader(io.StringIO(text)))
    outcome: list[tuple[str, dict[str, Any]]] = []
    error = ""
    if not rows:
        error = "Paste at least one parcel under a header row (the ORDERS CSV format)."
    else:
        try:
            for inputs, decided in routing.dry_run(page.session, page.principal, row.body, rows):
                outcome.append((decided.ref, record_values(None, inputs, decided, False)))
        except InvalidInput as exc:
            error = exc.message
    return _policy_page(page, policy_id, dry_run=outcome, dry_error=error, parcels_text=text)
