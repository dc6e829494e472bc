"""The console's JSON editors (address policy, tracking rules, routing policies, inbox settings,
inbox rules) and the inbox approvals' decisions: the posted text parsed, and every problem as
one shape, `{"path", "reason"}`.

The services refuse a document with `details["errors"]`, whose items name the place as `path`
(addresses, inbox) or `field` (tracking rules, routing) and the problem as `reason` or
`message`; the pages show them all the same way (`_forms.html`'s `json_problems`).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from linkstar.kit.errors import LinkStarError

Problem = dict[str, str]


def problem(path: str, reason: str) -> Problem:
    """One problem: where in the document (a JSON path, `$` the whole) and why."""
    return {"path": path, "reason": reason}


def parse_json(text: str, expect: type = dict) -> tuple[Any, list[Problem]]:
    """The document in `text` and no problems, or None and why not (not JSON, or not the
    `expect`ed kind: an object by default, `list` for a list)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        return None, [problem("$", f"not valid JSON: {exc.msg} ({where})")]
    except (ValueError, RecursionError) as exc:
        return None, [problem("$", f"not valid JSON: {exc}")]
    if not isinstance(data, expect):
        kind = "object" if expect is dict else "list"
        return None, [problem("$", f"must be a JSON {kind}")]
    return data, []


def listed(exc: LinkStarError) -> list[Problem]:
    """The problems a service's refusal lists (`details["errors"]`, a reply's compliance
    `details["findings"]` at their rule, or `details` itself when it is the list), in the one
    shape."""
    details = exc.details
    found = (
        details.get("errors") or details.get("findings") or []
        if isinstance(details, dict)
        else details
    )
    if not isinstance(found, list):
        return []
    return [
        problem(
            str(e.get("path") or e.get("field") or e.get("rule_id") or "$"),
            str(e.get("reason") or e.get("message")),
        )
        for e in found
        if isinstance(e, dict)
    ]


def invalid(exc: ValidationError) -> list[Problem]:
    """Every problem of a form the page's schema refused, at its field."""
    return [
        problem(".".join(str(part) for part in e["loc"]) or "$", str(e["msg"]))
        for e in exc.errors()
    ]


def refused(exc: LinkStarError) -> list[Problem]:
    """Every problem of a document a service refused; the error's own message (at the
    `field` its details name, else `$`) when it lists none."""
    field = exc.details.get("field") if isinstance(exc.details, dict) else None
    return listed(exc) or [problem(str(field or "$"), exc.message)]
