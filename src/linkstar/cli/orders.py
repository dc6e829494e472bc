"""`linkstar orders`: list, show, hold/release/cancel, dead letters, rules and SKU mappings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from linkstar.cli import stock_moves
from linkstar.cli.context import console, engine, err_console, guarded, settings, transaction
from linkstar.db.engine import make_session_factory
from linkstar.kit.errors import InvalidInput, NotFound
from linkstar.orders import flow, service, setup
from linkstar.orders.connectors.presets import PRESETS
from linkstar.orders.files import import_large_file
from linkstar.workspace import repository as repo
from linkstar.workspace.core import Principal, system_principal
from linkstar.workspace.models import Store

app = typer.Typer(
    help="Orders: list, inspect, hold, release, rules, SKU mappings.", no_args_is_help=True
)
rules_app = typer.Typer(help="Order rules: list, add, dry-run, delete.", no_args_is_help=True)
skus_app = typer.Typer(help="SKU mappings: list, import a CSV.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")
app.add_typer(skus_app, name="skus")
app.command("return")(stock_moves.receive_return)

ORG_OPTION = typer.Option(..., "--org", help="Organisation slug (see `linkstar org list`).")


def _actor(session: Session, slug: str) -> Principal:
    org = repo.organisation_by_slug(session, slug)
    if org is None:
        raise NotFound(f"no organisation with slug {slug!r}")
    return system_principal(org.id, "cli")


def _say(text: str) -> None:
    console.print(text, highlight=False, markup=False, soft_wrap=True)


def _store(session: Session, actor: Principal, name: str) -> Store:
    found = repo.StoreRepository(session, actor.organisation_id).find(name=name)
    if found is None:
        raise NotFound(f"no store named {name!r}")
    return found


def _order_id(session: Session, actor: Principal, ref: str) -> str:
    """An order id from an id, an external id or an external number."""
    return service.order_by_ref(session, actor, ref).id


@app.command("list")
@guarded
def list_orders(
    org: str = ORG_OPTION,
    state: str | None = typer.Option(None, "--state"),
    store: str | None = typer.Option(None, "--store", help="Store name."),
    channel: str | None = typer.Option(None, "--channel"),
    held: bool = typer.Option(False, "--held", help="Only orders on hold."),
    q: str | None = typer.Option(None, "--search", "-q", help="Number, buyer name or e-mail."),
    limit: int = typer.Option(50, "--limit", min=1, max=1000),
) -> None:
    """Orders, newest first, with their state and holds."""
    with transaction(engine(settings())) as session:
        actor = _actor(session, org)
        store_id = _store(session, actor, store).id if store else None
        filters = service.OrderFilters(state, store_id, channel, True if held else None, q)
        rows, total = service.list_orders(session, actor, filters, limit)
        table = Table()
        for column in ("placed", "number", "channel", "buyer", "to", "total", "state", "holds"):
            table.add_column(column, overflow="fold")
        for o in rows:
            table.add_row(
                o.placed_at.strftime("%Y-%m-%d %H:%M"),
                o.external_number or o.external_id,
                o.channel,
                o.buyer_name or "",
                f"{o.ship_postcode or ''} {o.ship_country or ''}".strip(),
                f"{o.total:.2f} {o.currency}",
                o.state,
                ", ".join(h["reason"] for h in o.holds),
            )
    console.print(table if rows else "no orders")
    _say(f"{len(rows)} of {total} order(s)")


@app.command("import")
@guarded
def import_orders(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV/TSV/TXT or XLSX."),
    org: str = ORG_OPTION,
    store: str = typer.Option(..., "--store", help="Store name the orders belong to."),
    preset: str | None = typer.Option(
        None,
        "--preset",
        help=f"Column preset: {', '.join(sorted(PRESETS))} (default: the store's channel).",
    ),
) -> None:
    """Import a marketplace order export; bad rows are listed, good orders are kept."""
    eng = engine(settings())
    with transaction(eng) as session:
        actor = _actor(session, org)
        found = _store(session, actor, store)
        store_id, channel = found.id, found.channel
    preset = preset or channel
    if preset not in PRESETS:
        raise InvalidInput(
            f"no preset for {preset!r}: pass --preset ({', '.join(sorted(PRESETS))})"
        )
    result = import_large_file(
        make_session_factory(eng), actor, store_id, path.read_bytes(), path.name, preset
    )
    r = result.report
    _say(
        f"{result.rows} row(s), {result.orders} order(s): {r.created} created, "
        f"{r.updated} updated, {r.unchanged} unchanged, {r.stale} stale, {r.held} held"
    )
    for e in result.row_errors:
        _say(f"row {e.row}" + (f", column {e.column}" if e.column else "") + f": {e.reason}")
    for item in r.errors:
        _say(f"order {item.external_id}: {item.message} (dead letter {item.dead_letter_id})")
    if result.row_errors or r.errors:
        raise typer.Exit(1)


@app.command("show")
@guarded
def show_order(
    ref: str = typer.Argument(..., help="Order id, external id or number."),
    org: str = ORG_OPTION,
    raw: bool = typer.Option(False, "--raw", help="Also print the raw payloads."),
) -> None:
    """One order: address, lines, holds and its timeline."""
    with transaction(engine(settings())) as session:
        actor = _actor(session, org)
        d = service.get_order(session, actor, _order_id(session, actor, ref))
        o = d.order
        _say(f"{o.external_number or o.external_id}  ({o.channel}, id {o.id})")
        _say(f"state {o.state}, channel status {o.channel_status}, priority {o.priority}")
        _say(f"placed {o.placed_at.isoformat()}, version {o.version.isoformat()}")
        _say(f"buyer {o.buyer_name or '-'} <{o.buyer_email or '-'}>")
        address = ", ".join(
            x
            for x in (
                o.ship_name,
                o.ship_line1,
                o.ship_line2,
                o.ship_city,
                o.ship_state,
                o.ship_postcode,
                o.ship_country,
            )
            if x
        )
        _say(f"ship to {address} — address {o.address_verdict or 'not checked'}")
        _say(f"total {o.total:.2f} {o.currency}; tags {', '.join(o.tags) or '-'}")
        for h in o.holds:
            _say(f"HOLD {h['reason']}: {h['detail']} (since {h['since']})")
        for line in d.lines:
            bundle = f" (from bundle {line.component_of})" if line.component_of else ""
            _say(
                f"  {line.quantity} x {line.master_sku} [{line.channel_sku}] "
                f"@ {line.unit_price:.2f}{bundle}"
            )
        _say("timeline:")
        for e in d.events:
            _say(
                f"  {e.at.isoformat()}  {e.kind:<14} {e.actor}  {json.dumps(e.detail, default=str)}"
            )
        if raw:
            for p in d.payloads:
                _say(
                    f"payload {p.source} {p.received_at.isoformat()} {p.outcome}: "
                    f"{json.dumps(p.raw)}"
                )


def _step_report(name: str, report: flow.StepReport) -> None:
    _say(f"{name}: {len(report.advanced)} order(s) advanced, {len(report.held)} held")
    for order_id, reasons in report.held.items():
        _say(f"  held {order_id}: {'; '.join(reasons)}")


@app.command("allocate")
@guarded
def allocate_orders(org: str = ORG_OPTION) -> None:
    """Reserve stock for checked orders that are not held (else hold them on `stock`)."""
    with transaction(engine(settings())) as session:
        _step_report("allocate", flow.allocate_orders(session, _actor(session, org)))


@app.command("route")
@guarded
def route_orders(org: str = ORG_OPTION) -> None:
    """Route allocated orders to a carrier service (else hold them on `routing`)."""
    with transaction(engine(settings())) as session:
        _step_report("route", flow.route_orders(session, _actor(session, org)))


@app.command("hold")
@guarded
def hold_order(
    ref: str = typer.Argument(...),
    org: str = ORG_OPTION,
    reason: str = typer.Option(..., "--reason", help="snake_case code, e.g. fraud_check."),
    detail: str = typer.Option("", "--detail"),
) -> None:
    """Put an order on hold."""
    with transaction(engine(settings())) as session:
        actor = _actor(session, org)
        o = service.hold(session, actor, _order_id(session, actor, ref), reason, detail)
        _say(
            f"{o.external_number or o.external_id}: holds {', '.join(h['reason'] for h in o.holds)}"
        )


@app.command("release")
@guarded
def release_order(
    ref: str = typer.Argument(...),
    org: str = ORG_OPTION,
    reason: str | None = typer.Option(None, "--reason", help="Default: every hold."),
    note: str = typer.Option("", "--note"),
) -> None:
    """Release an order's hold(s)."""
    with transaction(engine(settings())) as session:
        actor = _actor(session, org)
        o = service.release_hold(session, actor, _order_id(session, actor, ref), reason, note)
        left = ", ".join(h["reason"] for h in o.holds) or "none"
        _say(f"{o.external_number or o.external_id}: released; holds left: {left}")


@app.command("cancel")
@guarded
def cancel_order(
    ref: str = typer.Argument(...), org: str = ORG_OPTION, note: str = typer.Option("", "--note")
) -> None:
    """Cancel an order that has not shipped."""
    with transaction(engine(settings())) as session:
        actor = _actor(session, org)
        o = service.cancel(session, actor, _order_id(session, actor, ref), note)
        _say(f"{o.external_number or o.external_id}: {o.state}")


@app.command("dead-letters")
@guarded
def dead_letters(
    org: str = ORG_OPTION,
    state: str | None = typer.Option("open", "--state", help="open, retried or discarded."),
) -> None:
    """Payloads that could not become orders."""
    with transaction(engine(settings())) as session:
        actor = _actor(session, org)
        page = service.list_dead_letters(session, actor, state, 200, None)
        for d in page.items:
            _say(
                f"{d.id}  {d.created_at:%Y-%m-%d %H:%M}  {d.source:<7} {d.state:<9} "
                f"attempts {d.attempts}  {d.error}"
            )
        if not page.items:
            _say("no dead letters")


@app.command("retry")
@guarded
def retry(dead_letter_id: str = typer.Argument(...), org: str = ORG_OPTION) -> None:
    """Parse a dead letter again and import it (it stays open if it fails again)."""
    with transaction(engine(settings())) as session:
        actor = _actor(session, org)
        result = service.retry_dead_letter(session, actor, dead_letter_id)
    if result.error is not None:
        err_console.print(f"still failing: {result.error}", highlight=False, markup=False)
        raise typer.Exit(1)
    assert result.report is not None
    _say(f"imported: {result.report.created} created, {result.report.updated} updated")


def _read_json(path: Path) -> Any:
    if not path.is_file():
        raise InvalidInput(f"{path} does not exist")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InvalidInput(f"{path}: not JSON ({exc})") from None


@rules_app.command("list")
@guarded
def rules_list(org: str = ORG_OPTION) -> None:
    """Rules in evaluation order."""
    with transaction(engine(settings())) as session:
        rows = setup.list_rules(session, _actor(session, org))
        for r in rows:
            flag = "" if r.enabled else " (disabled)"
            _say(f"{r.position:>3}. {r.name}{flag}  [{r.id}]")
            _say(f"     when {json.dumps(r.conditions)} then {json.dumps(r.actions)}")
    if not rows:
        _say("no rules")


@rules_app.command("add")
@guarded
def rules_add(
    path: Path = typer.Argument(
        ..., help="A JSON rule or list of rules (examples/orders/rules.json)."
    ),
    org: str = ORG_OPTION,
) -> None:
    """Add rules at the end; a file with any invalid rule adds none."""
    data = _read_json(path)
    items = data if isinstance(data, list) else [data]
    with transaction(engine(settings())) as session:
        actor = _actor(session, org)
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                raise InvalidInput(f"rule {index}: a rule is a JSON object")
            row = setup.create_rule(session, actor, item)
            _say(f"added {row.position}. {row.name} [{row.id}]")


@rules_app.command("dry-run")
@guarded
def rules_dry_run(
    path: Path = typer.Argument(..., help="One rule as JSON."),
    org: str = ORG_OPTION,
    days: int = typer.Option(30, "--days", min=1, max=366),
) -> None:
    """What a rule would have done to recent orders (nothing is changed)."""
    data = _read_json(path)
    if not isinstance(data, dict):
        raise InvalidInput("the dry run takes one rule (a JSON object)")
    with transaction(engine(settings())) as session:
        result = setup.dry_run(session, _actor(session, org), data, days)
        for hit in result.hits[:50]:
            actions = "; ".join(json.dumps(a) for a in hit.actions)
            _say(f"{hit.external_number or hit.order_id}  {hit.placed_at[:16]}  {actions}")
        _say(
            f"would fire on {result.matched} of {result.examined} order(s) of the last {days} days"
        )


@rules_app.command("delete")
@guarded
def rules_delete(rule_id: str = typer.Argument(...), org: str = ORG_OPTION) -> None:
    """Delete a rule."""
    with transaction(engine(settings())) as session:
        setup.delete_rule(session, _actor(session, org), rule_id)
    _say(f"deleted {rule_id}")


@skus_app.command("list")
@guarded
def skus_list(org: str = ORG_OPTION) -> None:
    """Every SKU mapping."""
    with transaction(engine(settings())) as session:
        rows = setup.list_mappings(session, _actor(session, org))
        for m in rows:
            target = m.master_sku or " + ".join(
                f"{c['quantity']} x {c['sku']}" for c in m.components
            )
            _say(f"{m.scope:<40} {m.channel_sku:<24} → {target}")
    if not rows:
        _say("no SKU mappings")


@skus_app.command("import")
@guarded
def skus_import(
    path: Path = typer.Argument(..., help="CSV: store,channel,channel_sku,master_sku,components"),
    org: str = ORG_OPTION,
) -> None:
    """Import SKU mappings; bad rows are listed and the good rows kept."""
    if not path.is_file():
        raise InvalidInput(f"{path} does not exist")
    with transaction(engine(settings())) as session:
        result = setup.import_mappings_csv(session, _actor(session, org), path.read_text("utf-8"))
    for e in result.errors:
        err_console.print(
            f"{path}:{e['row']}: {e['column'] or '-'}: {e['reason']}", highlight=False, markup=False
        )
    _say(f"{result.created} created, {result.updated} updated, {len(result.errors)} rejected")
    if result.errors:
        raise typer.Exit(1)
