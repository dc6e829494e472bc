"""The scalar chooser: one order → a decision with every candidate, its price and its score.

Order of the checks for each candidate (the first that refuses names the rejection):
  1. rating   the service cannot take the parcel (reason codes of the pricer);
  2. fx       its currency has no rate to the objective's currency on the ship date;
  3. each filter of the policy, in order, when its conditions hold for the order;
  4. objective   `cheapest_within_promise` refuses a p90 transit time over the promise;
  5. suspension  a suspension covers the service on this lane and date.
The survivors are ranked: `weighted` by score (then cost, then service order), the cheapest
modes by cost (then service order). The same ranking is also run with the suspended services
put back: when its winner is a suspended service the decision is a fallback. No survivor means
the order is held with the reasons, never dropped. `vector_choose` is the batch twin of this
module and must agree with it decision for decision (a property test checks it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from linkstar.rating.core.fx import FxError, FxTable
from linkstar.rating.core.outcome import Ineligible, Quote
from linkstar.rating.core.parcel import Parcel
from linkstar.rating.core.policy import DEFAULT_POLICY, Filter, Mode, Policy
from linkstar.rating.core.postcodes import postcode_key
from linkstar.rating.core.quote import quote_all
from linkstar.rating.core.reliability import Reliability, ReliabilityBook
from linkstar.rating.core.suspension import Suspension
from linkstar.rating.core.tables import CompiledService

ASSIGNED, DEFERRED, HELD = "assigned", "deferred", "held"
NO_ELIGIBLE_SERVICE = "no_eligible_service"


@dataclass(frozen=True)
class RouteOrder:
    """One parcel to route, with the order attributes policies look at."""

    ref: str
    parcel: Parcel
    origin: str  # warehouse code (or the origin country when none is given)
    promised_days: int | None = None
    attrs: Mapping[str, Any] = field(default_factory=dict)  # store, channel, priority, tags, …

    def __post_init__(self) -> None:
        if self.promised_days is not None and not 1 <= self.promised_days <= 365:
            raise ValueError("promised_days must be in 1..365 when given")


@dataclass(frozen=True)
class RankedPolicy:
    """A policy with its stored identity; lower precedence is tried first."""

    policy: Policy
    policy_id: str = ""
    version: int = 0
    precedence: int = 0


@dataclass(frozen=True)
class Candidate:
    """One service considered for an order."""

    service_id: str
    carrier: str
    currency: str
    total: int | None  # minor units of `currency`; None when rating refused
    zone: str = ""
    billable_weight_g: int = 0
    lines: tuple[tuple[str, int], ...] = ()
    cost: float | None = None  # in the objective's currency, minor units (ranking value)
    transit_p50_days: float | None = None
    transit_p90_days: float | None = None
    on_time_probability: float | None = None
    success_rate: float | None = None
    score: float | None = None
    rejected_by: str = ""  # rating | fx | suspension | <filter id> | objective; "" = eligible
    reasons: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """The candidate as stored in a decision record."""
        return {
            "service_id": self.service_id,
            "carrier": self.carrier,
            "currency": self.currency,
            "total": self.total,
            "zone": self.zone,
            "billable_weight_g": self.billable_weight_g,
            "lines": [{"code": c, "amount": a} for c, a in self.lines],
            "cost": self.cost,
            "transit_p50_days": self.transit_p50_days,
            "transit_p90_days": self.transit_p90_days,
            "on_time_probability": self.on_time_probability,
            "success_rate": self.success_rate,
            "score": self.score,
            "rejected_by": self.rejected_by,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class Decision:
    """The outcome for one order: the choice (or held with reasons) and every candidate."""

    ref: str
    status: str
    chosen: int | None  # index into candidates
    candidates: tuple[Candidate, ...]
    policy: RankedPolicy
    currency: str  # of the candidates' `cost`
    fallback: bool = False
    reasons: tuple[str, ...] = ()

    @property
    def choice(self) -> Candidate | None:
        """The chosen candidate, None when held."""
        return None if self.chosen is None else self.candidates[self.chosen]


class Chooser:
    """Everything needed to route: services, FX, policies, reliability and suspensions."""

    def __init__(
        self,
        services: Sequence[CompiledService],
        fx: FxTable,
        policies: Sequence[RankedPolicy] = (),
        reliability: ReliabilityBook | None = None,
        suspensions: Sequence[Suspension] = (),
    ) -> None:
        self.services = list(services)
        self.fx = fx
        ranked = sorted(policies, key=lambda p: p.precedence)
        self.policies = [*ranked, RankedPolicy(DEFAULT_POLICY)]
        self.reliability = reliability or ReliabilityBook(c.service for c in self.services)
        self.suspensions = list(suspensions)
        self._factors: dict[tuple[str, str, date], float | None] = {}

    def policy_for(self, attrs: Mapping[str, Any]) -> RankedPolicy:
        """The first policy (by precedence) whose conditions hold; the built-in one otherwise."""
        for ranked in self.policies:
            if ranked.policy.applies(attrs):
                return ranked
        return self.policies[-1]  # pragma: no cover - the built-in policy always applies

    def currency_of(self, policy: Policy) -> str:
        """The currency costs are compared in under a policy."""
        return policy.objective.currency or self.fx.base

    def factor(self, source: str, target: str, day: date) -> float | None:
        """Minor units of `target` per minor unit of `source` that day; None without a rate."""
        key = (source, target, day)
        if key not in self._factors:
            try:
                self._factors[key] = self.fx.factor(source, target, day)
            except FxError:
                self._factors[key] = None
        return self._factors[key]

    def suspended(self, compiled: CompiledService, origin: str, country: str, day: date) -> str:
        """The reason of the first suspension covering the service, "" when none does."""
        for s in self.suspensions:
            if s.covers(compiled.service, origin, country, day):
                return s.ref or "suspended"
        return ""

    def choose(self, order: RouteOrder) -> Decision:
        """Route one order."""
        parcel = order.parcel
        ranked = self.policy_for(order.attrs)
        policy = ranked.policy
        currency = self.currency_of(policy)
        active = [f for f in policy.filters if f.applies(order.attrs)]
        results = quote_all(parcel, self.services)
        drafts: list[dict[str, Any]] = []
        for compiled, result in zip(self.services, results, strict=True):
            drafts.append(self._draft(order, compiled, result, currency, active, policy))
        survivors = [i for i, d in enumerate(drafts) if not d["rejected_by"]]
        with_suspended = [i for i, d in enumerate(drafts) if d["rejected_by"] in ("", "suspension")]
        scores = _scores(drafts, survivors, policy)
        chosen = _best(drafts, survivors, scores, policy)
        unsuspended = _best(drafts, with_suspended, _scores(drafts, with_suspended, policy), policy)
        candidates = tuple(Candidate(score=scores.get(i), **d) for i, d in enumerate(drafts))
        if chosen is None:
            codes = sorted({r for c in candidates for r in c.reasons})
            return Decision(
                order.ref,
                HELD,
                None,
                candidates,
                ranked,
                currency,
                fallback=unsuspended is not None,
                reasons=(NO_ELIGIBLE_SERVICE, *codes),
            )
        return Decision(
            order.ref, ASSIGNED, chosen, candidates, ranked, currency, unsuspended != chosen
        )

    def _draft(
        self,
        order: RouteOrder,
        compiled: CompiledService,
        result: Quote | Ineligible,
        currency: str,
        active: list[Filter],
        policy: Policy,
    ) -> dict[str, Any]:
        service, parcel = compiled.service, order.parcel
        draft: dict[str, Any] = {
            "service_id": service.service_id,
            "carrier": service.carrier,
            "currency": service.currency,
            "total": None,
            "rejected_by": "",
            "reasons": (),
        }
        if isinstance(result, Ineligible):
            draft.update(rejected_by="rating", reasons=tuple(r.value for r in result.reasons))
            return draft
        rel = self.reliability.lane(service, order.origin, parcel.dest_country, _postcode(order))
        on_time = rel.on_time_probability(order.promised_days)
        draft.update(
            total=result.total,
            zone=result.zone,
            billable_weight_g=result.billable_weight_g,
            lines=tuple((line.code, line.amount) for line in result.lines),
            transit_p50_days=rel.transit_p50_days,
            transit_p90_days=rel.transit_p90_days,
            on_time_probability=on_time,
            success_rate=rel.success_rate,
        )
        factor = self.factor(service.currency, currency, parcel.ship_date)
        if factor is None:
            draft.update(rejected_by="fx", reasons=("no_fx_rate",))
            return draft
        cost = result.total * factor
        draft["cost"] = cost
        for f in active:
            why = filter_refusal(f, service.carrier, service.service_id, cost, rel, on_time, order)
            if why:
                draft.update(rejected_by=f.id, reasons=(why,))
                return draft
        if (
            policy.objective.mode is Mode.cheapest_within_promise
            and order.promised_days is not None
            and not rel.p90_within(order.promised_days)
        ):
            draft.update(rejected_by="objective", reasons=("p90_over_promise",))
            return draft
        if self.suspended(compiled, order.origin, parcel.dest_country, parcel.ship_date):
            draft.update(rejected_by="suspension", reasons=("suspended",))
        return draft


def _postcode(order: RouteOrder) -> str:
    return postcode_key(order.parcel.dest_country, order.parcel.dest_postcode) or ""


def filter_refusal(
    f: Filter,
    carrier: str,
    service_id: str,
    cost: float,
    rel: Reliability,
    on_time: float,
    order: RouteOrder,
) -> str:
    """The reason code a filter refuses a candidate with, "" when it keeps it."""
    if f.only_carriers is not None and carrier not in f.only_carriers:
        return "carrier_not_allowed"
    if f.only_services is not None and service_id not in f.only_services:
        return "service_not_allowed"
    if carrier in f.exclude_carriers:
        return "carrier_excluded"
    if service_id in f.exclude_services:
        return "service_excluded"
    if (
        f.max_p90_over_promise_days is not None
        and order.promised_days is not None
        and not rel.p90_within(order.promised_days, f.max_p90_over_promise_days)
    ):
        return "p90_over_promise"
    if f.min_on_time_probability is not None and on_time < f.min_on_time_probability:
        return "on_time_below_minimum"
    if f.min_success_rate is not None and rel.success_rate < f.min_success_rate:
        return "success_below_minimum"
    if f.max_price is not None and cost > f.max_price:
        return "over_max_price"
    return ""


def cost_score(cheapest: float, cost: float) -> float:
    """Cheapest cost over this one (1.0 for the cheapest; a free service scores 1.0)."""
    return 1.0 if cost == 0 else cheapest / cost


def _scores(drafts: list[dict[str, Any]], idx: list[int], policy: Policy) -> dict[int, float]:
    if not idx:
        return {}
    cheapest = min(drafts[i]["cost"] for i in idx)
    o = policy.objective
    out = {}
    for i in idx:
        d = drafts[i]
        cs = cost_score(cheapest, d["cost"])
        if o.mode is Mode.weighted:
            out[i] = (
                o.cost * cs + o.on_time * d["on_time_probability"] + o.success * d["success_rate"]
            )
        else:
            out[i] = cs
    return out


def _best(
    drafts: list[dict[str, Any]], idx: list[int], scores: dict[int, float], policy: Policy
) -> int | None:
    if not idx:
        return None
    if policy.objective.mode is Mode.weighted:
        return min(idx, key=lambda i: (-scores[i], drafts[i]["cost"], i))
    return min(idx, key=lambda i: (drafts[i]["cost"], i))
