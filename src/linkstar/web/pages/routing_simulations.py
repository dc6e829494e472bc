"""Routing → Simulations: replay a policy on past orders, follow the run, compare the result.

The list and a running simulation's page poll themselves with HTMX while anything is queued or
running; the detail shows cost now vs simulated per carrier (an SVG chart and tables) and per
lane, and how delivery promises change. The same service as POST /api/v1/routing/simulations.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from linkstar.kit.errors import LinkStarError
from linkstar.rating import routing_policies, simulation_runs
from linkstar.rating.cells import currency_exponent, format_money
from linkstar.rating.simulation_models import RoutingSimulation
from linkstar.web.charts import BarChart, grouped_bar_chart
from linkstar.web.context import ConsoleAction, ConsolePage, Page
from linkstar.web.forms import FormState, optional_dates, text_fields
from linkstar.web.pages.routing_policies import EXAMPLE_POLICY, policy_body, policy_problems
from linkstar.workspace.core import Permission

router = APIRouter()
P = Permission
FIELDS = ["policy_id", "body", "cards_on", "since"]
LIST_SIZE = 50
SERIES = ("now", "simulated")  # chart series of the result's baseline and candidate
SIDES = ("baseline", "candidate")


def _policy_options(page: Page) -> list[tuple[str, str]]:
    """Every stored version of every policy, newest version first within a policy."""
    options = [("", "The policy JSON below")]
    for latest in routing_policies.policies(page.session, page.principal):
        for row in routing_policies.policy_versions(page.session, page.principal, latest.id):
            options.append((row.id, f"{row.name} v{row.version}"))
    return options


def _list_page(
    page: Page, state: FormState | None = None, status: int = 200, problems: Any = ()
) -> HTMLResponse:
    found = simulation_runs.simulations_page(page.session, page.principal, LIST_SIZE, None)
    return page.render(
        "routing/simulations.html",
        status=status,
        simulations=found.items,
        polling=any(s.status in ("queued", "running") for s in found.items),
        delta=_total_delta,
        options=_policy_options(page),
        state=state or FormState(values={"body": json.dumps(EXAMPLE_POLICY, indent=2)}),
        problems=list(problems),
    )


def _money(amounts: dict[str, int]) -> str:
    return ", ".join(f"{format_money(v, c)} {c}" for c, v in sorted(amounts.items())) or "-"


def _signed(amounts: dict[str, int]) -> str:
    return (
        ", ".join(
            ("+" if v > 0 else "") + f"{format_money(v, c)} {c}" for c, v in sorted(amounts.items())
        )
        or "-"
    )


def _total_delta(sim: RoutingSimulation) -> str:
    return _signed(sim.result["total"]["cost_delta"]) if sim.result else ""


@router.get("/routing/simulations", response_class=HTMLResponse)
def simulations(page: ConsolePage) -> HTMLResponse:
    """Past simulations with status and progress, and the form to start one."""
    return _list_page(page)


@router.post("/routing/simulations", response_class=HTMLResponse)
def simulation_create(page: ConsoleAction) -> Response:
    """Store and run (or queue) a simulation of the chosen policy."""
    page.principal.require(P.routing_read)
    values = text_fields(page.form, FIELDS)
    state = FormState(values=dict(values))
    days = optional_dates(values, ("cards_on", "since"), state)
    body, problems = (None, []) if values["policy_id"] else policy_body(values["body"], state)
    if state.errors:
        state.message = state.message or "Check the simulation."
        return _list_page(page, state, 422, problems)
    try:
        sim = simulation_runs.start(
            page.session,
            page.principal,
            body=body,
            policy_id=values["policy_id"] or None,
            since=days["since"],
            cards_on=days["cards_on"],
            inline_limit=page.settings.simulation_inline_orders,
        )
    except LinkStarError as exc:
        page.session.rollback()
        state.message = exc.message
        return _list_page(page, state, 422, policy_problems(state, exc))
    note = "done" if sim.status == "done" else "queued; this page follows its progress"
    return page.redirect(f"/routing/simulations/{sim.id}", f"Simulation {note}.")


def _currency(result: dict[str, Any]) -> str | None:
    """The currency most of the cost is in (the chart shows one currency)."""
    total = result["total"]
    costs: dict[str, int] = {}
    for side in SIDES:
        for c, v in total[side]["cost"].items():
            costs[c] = costs.get(c, 0) + abs(v)
    return max(costs, key=lambda c: (costs[c], c)) if costs else None


def _chart(result: dict[str, Any] | None) -> BarChart | None:
    """Cost now vs simulated per carrier, in whole units of the main currency."""
    if not result:
        return None
    currency = _currency(result)
    if currency is None:
        return None
    scale = 10 ** currency_exponent(currency)
    values = {
        row["key"]: [round(row[side]["cost"].get(currency, 0) / scale) for side in SIDES]
        for row in result["carriers"]
        if row["key"] != "(held)"
    }
    return grouped_bar_chart(f"Cost per carrier ({currency})", currency, values, SERIES)


@router.get("/routing/simulations/{simulation_id}", response_class=HTMLResponse)
def simulation_detail(page: ConsolePage, simulation_id: str) -> HTMLResponse:
    """One simulation: progress while it runs; the comparison once done; the error if failed."""
    sim = simulation_runs.get_simulation(page.session, page.principal, simulation_id)
    return page.render(
        "routing/simulation.html",
        sim=sim,
        result=sim.result,
        chart=_chart(sim.result),
        money=_money,
        signed=_signed,
        pct=_pct,
    )


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"
