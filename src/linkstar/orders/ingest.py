"""Idempotent ingestion of canonical orders from webhooks, polls, files and the API.

The same order (store, external_id) arriving any number of times, from any source, in any
order, yields one order: the copy with the highest `version` wins (ties broken by content
hash, so the outcome never depends on arrival order); older copies are kept as payloads only.
Work is batched: existing orders are loaded per batch, rows are written with multi-row
inserts/updates, and nothing is committed here (see `ingest_committing` for one transaction
per batch).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from linkstar.addresses.core import Policy
from linkstar.addresses.policy_store import current_policy
from linkstar.db.bulk import Encoded
from linkstar.db.outbox import enqueue
from linkstar.db.uow import unit_of_work
from linkstar.kit.errors import InvalidInput
from linkstar.kit.ids import ordered_id
from linkstar.kit.memory import cyclic_gc_paused
from linkstar.orders.core.canonical import ChannelOrder, ChannelStatus
from linkstar.orders.core.codec import order_to_json
from linkstar.orders.core.facts import fingerprint, order_facts, payload_hash
from linkstar.orders.core.rule_engine import Outcome, evaluate
from linkstar.orders.core.skus import ExplodedLine, explode
from linkstar.orders.core.states import (
    add_hold,
    holds_to_json,
)
from linkstar.orders.ingest_updates import BatchBase
from linkstar.orders.intake import (
    BATCH,
    PENDING_HOLD,
    IngestError,
    IngestReport,
    Item,
    check_source,
    initial_state,
    inputs_of,
    order_columns,
    raw_text,
    record_dead_letter,
    store_of,
    validate,
)
from linkstar.orders.lookahead import AddressLookahead
from linkstar.orders.models import Order, OrderEvent, OrderLine, OrderPayload
from linkstar.orders.pipeline import AddressTarget, check_addresses
from linkstar.orders.repository import (
    OrderPayloadRepository,
    OrderRepository,
)
from linkstar.orders.rulesets import load_rules, load_sku_map

ALLOCATE_JOB = "orders.allocate"
# Orders per transaction of a large import. Each commit writes every index page the batch
# touched to the WAL, and random ids touch pages all over: 10,000 orders per commit instead of
# 2,000 cut the import's CPU by about a tenth. A concurrent writer waits at most one such
# transaction (a few seconds) on SQLite's busy timeout.
COMMIT_BATCH = 10_000

__all__ = [
    "IngestError",
    "IngestReport",
    "Item",
    "check_source",
    "ingest",
    "ingest_committing",
    "record_dead_letter",
    "store_of",
]


def ingest(
    session: Session,
    org_id: str,
    store_id: str,
    items: Sequence[Item],
    source: str,
    *,
    actor: str = "system",
    policy: Policy | None = None,
    batch_size: int = BATCH,
    lookahead: AddressLookahead | None = None,
) -> IngestReport:
    """Create or update orders from canonical copies; see the module docstring.

    Addresses are checked with `policy`, by default the workspace's stored policy; a
    `lookahead` over these items (or a larger sequence they continue) checks them ahead.
    """
    check_source(source)
    store = store_of(session, org_id, store_id)
    if policy is None:
        policy = current_policy(session, org_id).policy
    rules = load_rules(session, org_id)
    skus = load_sku_map(session, org_id)
    report = IngestReport()
    stored = partial(OrderPayloadRepository(session, org_id).known_hashes, store.id)
    for start in range(0, len(items), batch_size):
        batch = _Batch(session, org_id, store, source, actor, policy, rules, skus)
        part = items[start : start + batch_size]
        if lookahead is not None:
            ahead = lookahead.take(len(part), stored, policy)
            batch.shas, batch.digests, batch.checked = ahead.shas, ahead.digests, ahead.checked
            batch.texts = {h: t for h, t in zip(ahead.shas, ahead.texts, strict=True) if h and t}
        report.add(batch.run(part, start))
        session.flush()
    if report.created or report.updated:
        # The next step: allocate what is now checked and not held (after this commits).
        enqueue(session, ALLOCATE_JOB, {}, organisation_id=org_id)
    return report


def ingest_committing(
    sessions: sessionmaker[Session],
    org_id: str,
    store_id: str,
    items: Sequence[Item],
    source: str,
    *,
    actor: str = "system",
    batch_size: int = COMMIT_BATCH,
    lookahead: AddressLookahead | None = None,
) -> IngestReport:
    """`ingest` with one transaction per batch: for large imports (files, backfills)."""
    # The items are hundreds of thousands of long-lived objects without cycles: the cyclic
    # collector would rescan them over and over (measured: a quarter of the CPU time at 100k
    # orders). Each batch's own garbage is freed by reference counting.
    with cyclic_gc_paused():
        return _ingest_batches(
            sessions, org_id, store_id, items, source, actor, batch_size, lookahead
        )


def _ingest_batches(
    sessions: sessionmaker[Session],
    org_id: str,
    store_id: str,
    items: Sequence[Item],
    source: str,
    actor: str,
    batch_size: int,
    lookahead: AddressLookahead | None,
) -> IngestReport:
    report = IngestReport()
    for start in range(0, len(items), batch_size):
        with unit_of_work(sessions) as session:
            part = ingest(
                session,
                org_id,
                store_id,
                items[start : start + batch_size],
                source,
                actor=actor,
                lookahead=lookahead,
            )
        for error in part.errors:
            report.errors.append(
                IngestError(
                    error.index + start, error.external_id, error.message, error.dead_letter_id
                )
            )
        part.errors = []
        report.add(part)
    return report


@dataclass
class _Draft:
    """A new order being built from its winning copy."""

    id: str
    order: ChannelOrder
    digest: str
    lines: list[ExplodedLine]
    unmapped: list[str]
    target: AddressTarget
    outcome: Outcome | None = None


class _Batch(BatchBase):
    def run(self, items: Sequence[Item], offset: int) -> IngestReport:
        # A raw payload this store already holds was fully processed when it first came:
        # a redelivery (webhook retry, overlapping poll, the same file again) changes nothing.
        shas = self.shas or [payload_hash(raw) if raw is not None else None for _, raw in items]
        self.known = OrderPayloadRepository(self.session, self.org_id).known_hashes(
            self.store.id, [h for h in shas if h is not None]
        )
        good: list[tuple[ChannelOrder, Mapping[str, Any] | None, str, str]] = []
        for index, (order, raw) in enumerate(items):
            sha = shas[index]
            if sha is not None and sha in self.known:
                self.report.unchanged += 1
                continue
            # A fingerprint from the lookahead's hasher says the order passed `validate` there.
            digest = self.digests[index] if self.digests else None
            if digest is None:
                try:
                    validate(order)
                except InvalidInput as exc:
                    dead = record_dead_letter(
                        self.session,
                        self.org_id,
                        self.store.id,
                        self.source,
                        raw_text(order, raw),
                        exc.message,
                    )
                    self.report.errors.append(
                        IngestError(offset + index, order.external_id, exc.message, dead)
                    )
                    continue
                digest = fingerprint(order)
            good.append((order, raw, digest, sha or digest))
        # The winner per external id inside the batch; the others are payloads only.
        winners: dict[str, tuple[ChannelOrder, str]] = {}
        for order, _raw, digest, _sha in good:
            held = winners.get(order.external_id)
            if held is None or (order.version, digest) > (held[0].version, held[1]):
                winners[order.external_id] = (order, digest)
        existing = OrderRepository(self.session, self.org_id).existing(self.store.id, list(winners))
        ids: dict[str, str] = {}
        decided: dict[str, str] = {}  # external id → what happened to the winning copy
        drafts: list[_Draft] = []
        for external_id, (order, digest) in winners.items():
            row = existing.get(external_id)
            if row is None:
                drafts.append(self._draft(order, digest))
                ids[external_id] = drafts[-1].id
                decided[external_id] = "created"
                continue
            ids[external_id] = row.id
            if (order.version, digest) <= (row.version, row.content_hash):
                kind = "unchanged" if digest == row.content_hash else "stale"
                setattr(self.report, kind, getattr(self.report, kind) + 1)
                decided[external_id] = kind
            else:
                self._update(OrderRepository(self.session, self.org_id).get(row.id), order, digest)
                decided[external_id] = "updated"
        self._create(drafts)
        self._keep_payloads(good, winners, decided, ids)
        if self.payloads:
            self._insert(OrderPayload, self.payloads)
        if self.events:
            self._insert(OrderEvent, self.events)
        return self.report

    # --- new orders ---------------------------------------------------------------------------

    def _draft(self, order: ChannelOrder, digest: str) -> _Draft:
        lines, unmapped = explode(inputs_of(order), self.store.id, order.channel.value, self.skus)
        return _Draft(ordered_id(), order, digest, lines, unmapped, AddressTarget(order.ship_to))

    def _create(self, drafts: list[_Draft]) -> None:
        if not drafts:
            return
        check_addresses([d.target for d in drafts], self.now, self.policy, self.checked)
        orders: list[dict[str, Any]] = []
        lines: list[dict[str, Any]] = []
        merges: list[tuple[str, int]] = []
        for d in drafts:
            o = d.order
            facts = order_facts(
                o,
                d.lines,
                store_id=self.store.id,
                store_name=self.store.name,
                address_verdict=d.target.verdict,
                address_flags=d.target.flags,
            )
            outcome = evaluate(self.rules, facts) if self.rules else Outcome()
            holds = d.target.holds
            for reason, detail in outcome.holds:
                holds, added = add_hold(holds, reason, detail or "held by a rule", self.now)
                if added:
                    d.target.events.append(("held", {"reason": reason, "detail": detail}))
            if o.status is ChannelStatus.PENDING:
                holds, _ = add_hold(holds, PENDING_HOLD, "not yet payable on the channel", self.now)
                d.target.events.append(("held", {"reason": PENDING_HOLD}))
            state = initial_state(o.status, d.target.verdict, holds)
            tags = list(o.tags) + [t for t in outcome.tags if t not in o.tags]
            row = order_columns(o)
            row.update(
                id=d.id,
                organisation_id=self.org_id,
                store_id=self.store.id,
                state=state,
                content_hash=d.digest,
                address_verdict=d.target.verdict,
                address_flags=d.target.flags,
                priority=outcome.priority or "normal",
                tags=tags,
                holds=holds_to_json(holds),
                is_held=bool(holds),
                warehouse_code=outcome.warehouse,
                excluded_warehouses=outcome.excluded_warehouses,
                split_plan=outcome.split,
                merge_group=None,
                created_at=self.now,
                updated_at=self.now,
            )
            orders.append(row)
            lines.extend(self._line_rows(d.id, d.lines))
            self.event(
                d.id,
                "imported",
                {
                    "source": self.source,
                    "version": o.version.isoformat(),
                    "state": state,
                    "address": d.target.verdict,
                }
                | ({"unmapped_skus": d.unmapped} if d.unmapped else {}),
            )
            for kind, note in d.target.events:
                if kind == "address_checked" and not holds:
                    continue  # a clean verdict is in the imported event; no row of its own
                self.event(d.id, kind, note)
            for app in outcome.applications:
                self.event(
                    d.id,
                    "rule_applied",
                    {
                        "rule_id": app.rule_id,
                        "rule": app.rule_name,
                        "position": app.position,
                        "actions": list(app.actions),
                    },
                )
            if outcome.merge_window_hours:
                merges.append((d.id, outcome.merge_window_hours))
            self.report.created += 1
            self.report.held += bool(holds)
            self.report.order_ids.append(d.id)
        self._insert(Order, orders)
        self._insert(OrderLine, lines)
        self._review([(d.id, d.target) for d in drafts])
        for order_id, hours in merges:
            self._merge(order_id, hours)

    # --- payloads -----------------------------------------------------------------------------

    def _keep_payloads(
        self,
        good: Sequence[tuple[ChannelOrder, Mapping[str, Any] | None, str, str]],
        winners: Mapping[str, tuple[ChannelOrder, str]],
        decided: Mapping[str, str],
        ids: Mapping[str, str],
    ) -> None:
        canonical = [sha for _, raw, _, sha in good if raw is None]
        known = self.known | OrderPayloadRepository(self.session, self.org_id).known_hashes(
            self.store.id, canonical
        )
        for order, raw, digest, sha in good:
            if sha in known:
                continue
            known.add(sha)
            if winners[order.external_id][1] == digest:
                outcome = decided[order.external_id]
            else:
                outcome = "stale"
            self.payloads.append(
                {
                    "id": ordered_id(),
                    "organisation_id": self.org_id,
                    "store_id": self.store.id,
                    "external_id": order.external_id,
                    "order_id": ids[order.external_id],
                    "source": self.source,
                    "version": order.version,
                    "received_at": self.now,
                    "sha256": sha,
                    "outcome": outcome,
                    "raw": _raw_value(raw, self.texts.get(sha))
                    if raw is not None
                    else order_to_json(order),
                }
            )


def _raw_value(raw: Mapping[str, Any], text: str | None) -> Any:
    """A payload's JSON column value: with its text when the lookahead encoded it already."""
    return Encoded(text, raw) if text is not None else dict(raw)
