"""`linkstar track`: ingest tracking events from a file, detect a carrier, sweep for exceptions,
compute lane statistics, check the delivery estimates on later deliveries."""

from __future__ import annotations

import json
import math
from pathlib import Path

import typer
from pydantic import ValidationError
from rich.table import Table
from sqlalchemy.orm import Session

from linkstar.cli.context import console, engine, err_console, guarded, settings, transaction
from linkstar.kit.clock import utcnow
from linkstar.kit.crypto import SecretBox
from linkstar.kit.errors import InvalidInput, NotFound
from linkstar.tracking import (
    carrier_accounts,
    carrier_correction,
    estimate_check,
    file_import,
    intake,
    shipments,
    statistics,
    sweep,
)
from linkstar.tracking.carrier_polling import poll_organisation
from linkstar.tracking.ingest import IngestReport, ingest
from linkstar.tracking.schemas import UpdateIn
from linkstar.workspace import repository as repo
from linkstar.workspace.core import system_principal

app = typer.Typer(help="Tracking: ingest events, detect carriers, sweep, statistics.",
                  no_args_is_help=True)  # fmt: skip

ORG_OPTION = typer.Option(..., "--org", help="Organisation slug (see `linkstar org list`).")
BATCH = 5_000  # updates per ingestion call


def _is_event_rows(path: Path) -> bool:
    """CSV, or JSON lines whose first object is one event row (no "events" list)."""
    if path.suffix.lower() == ".csv":
        return True
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                try:
                    first = json.loads(line)
                except json.JSONDecodeError:
                    return False
                return isinstance(first, dict) and "events" not in first
    return False


def _ingest_event_rows(path: Path, org: str) -> None:
    """The documented events file (docs/formats/tracking.md): one event per row."""
    with transaction(engine(settings())) as session:
        actor = system_principal(_org_id(session, org), "cli")
        result = file_import.import_events_file(session, actor, path.read_bytes(), path.name)
    for issue in result.errors:
        where = f", column {issue.column}" if issue.column else ""
        err_console.print(f"{path.name}:{issue.row}{where}: {issue.reason}", markup=False)
    for issue in result.warnings:
        err_console.print(f"{path.name}:{issue.row}: warning: {issue.reason}", markup=False)
    total = result.ingested
    for r in total.rejected:
        err_console.print(f"{r.tracking_number}: {r.reason}", highlight=False, markup=False)
    rejected = f", {len(total.rejected)} rejected" if total.rejected else ""
    _say(
        f"{result.rows} rows: {total.events_inserted} events stored ({total.duplicates} "
        f"duplicates dropped, {total.unmapped} unmapped) for {total.shipments_touched} "
        f"shipments ({total.shipments_created} new); {len(result.errors)} bad rows{rejected}"
    )
    if result.errors or total.rejected:
        raise typer.Exit(1)


def _org_id(session: Session, slug: str) -> str:
    org = repo.organisation_by_slug(session, slug)
    if org is None:
        raise NotFound(f"no organisation with slug {slug!r}")
    return org.id


def _say(text: str) -> None:
    console.print(text, highlight=False, markup=False, soft_wrap=True)


@app.command("ingest")
@guarded
def ingest_file(
    path: Path = typer.Argument(
        ...,
        help="Events as CSV or JSON lines (tracking_number, carrier, event_time, raw_code, "
        "raw_description, city, state, postcode, country), or JSON lines of whole updates "
        '({"tracking_number", "carrier", "events": [...]}).',
    ),
    org: str = ORG_OPTION,
) -> None:
    """Ingest an events file (CSV or JSON lines); bad rows are listed (row and reason), good
    rows are kept."""
    if not path.is_file():
        raise InvalidInput(f"{path} is not a file")
    if path.suffix.lower() not in (".csv", ".jsonl", ".ndjson"):
        # As the API and the console: any other file was read as JSON lines, one error a line.
        raise InvalidInput(f"{path.name}: expected a .csv, .jsonl or .ndjson file")
    if _is_event_rows(path):
        _ingest_event_rows(path, org)
        return
    parsed: list[UpdateIn] = []
    bad: list[str] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                parsed.append(UpdateIn.model_validate(json.loads(line)))
            except json.JSONDecodeError as exc:
                bad.append(f"{path.name}:{number}: not JSON ({exc.msg})")
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                bad.append(f"{path.name}:{number}: {where}: {first['msg']}")
    total = IngestReport()
    eng = engine(settings())
    with transaction(eng) as session:
        org_id = _org_id(session, org)
        for start in range(0, len(parsed), BATCH):
            updates, rejected = intake.updates_from_json(parsed[start : start + BATCH])
            part = ingest(session, org_id, updates)
            total.rejected.extend(rejected)
            total.add(part)
    for line in bad:
        err_console.print(line, highlight=False, markup=False, soft_wrap=True)
    for r in total.rejected:
        err_console.print(f"{r.tracking_number}: {r.reason}", highlight=False, markup=False)
    _say(
        f"{total.events_inserted} events stored ({total.duplicates} duplicates dropped, "
        f"{total.unmapped} unmapped) for {total.shipments_touched} shipments "
        f"({total.shipments_created} new); {len(bad)} bad lines, {len(total.rejected)} rejected"
    )
    if bad or total.rejected:
        raise typer.Exit(1)


@app.command("detect")
@guarded
def detect(number: str = typer.Argument(..., help="A tracking number.")) -> None:
    """Which carrier a tracking number belongs to, best candidate first."""
    found = intake.detect(number)
    if not found:
        raise NotFound(f"no carrier format matches {number!r}")
    table = Table()
    for column in ("carrier", "format", "confidence", "check digit", "why"):
        table.add_column(column, overflow="fold")
    for c in found:
        table.add_row(c["carrier"], c["format"], f"{c['confidence']:.2f}", c["check_digit"],
                      c["reason"])  # fmt: skip
    console.print(table)


@app.command("correct-carrier")
@guarded
def correct_carrier(
    shipment: str = typer.Argument(..., help="The shipment's tracking number or id."),
    carrier: str = typer.Option(..., "--carrier", help="The carrier it really travels with."),
    service: str | None = typer.Option(None, "--service", help="Its service (else cleared)."),
    org: str = ORG_OPTION,
) -> None:
    """Correct a shipment's carrier: its events are read again with the new carrier's table
    and it is polled again when the workspace has an account for that carrier."""
    with transaction(engine(settings())) as session:
        actor = system_principal(_org_id(session, org), "cli")
        row = shipments.find_shipment(session, actor, shipment)
        done = carrier_correction.correct_carrier(session, actor, row.id, carrier, service)
    _say(
        f"{row.tracking_number}: {done.previous_carrier} -> {row.carrier} (service "
        f"{row.carrier_service or 'none'}); "
        f"{done.events_remapped} events re-mapped ({done.events_merged} merged), status "
        f"{row.status}; {done.exceptions_resolved} exceptions resolved; refetch: {done.refetch}"
    )


@app.command("scan")
@guarded
def scan(org: str = ORG_OPTION) -> None:
    """Run the exception sweep now (what the hourly job does)."""
    eng = engine(settings())
    with transaction(eng) as session:
        report = sweep.sweep(session, _org_id(session, org))
    opened = ", ".join(f"{n} {k}" for k, n in sorted(report.opened.items())) or "none"
    _say(
        f"checked {report.shipments_checked} shipments; opened: {opened}; "
        f"resolved: {report.resolved}; suspended: {', '.join(report.suspended) or 'none'}"
    )


@app.command("stats")
@guarded
def stats(
    org: str = ORG_OPTION,
    carrier: str | None = typer.Option(None, "--carrier", help="Only this carrier."),
    refresh: bool = typer.Option(True, "--refresh/--no-refresh", help="Recompute first."),
) -> None:
    """Lane transit statistics: p50/p90/p95 days, on-time and success rates, confidence."""
    eng = engine(settings())
    with transaction(eng) as session:
        org_id = _org_id(session, org)
        if refresh:
            report = statistics.refresh(session, org_id)
            _say(f"{report.shipments} finished shipments, {report.lanes} lanes, k={report.k:.1f}")
        rows = statistics.lanes(session, org_id, carrier.strip().lower() if carrier else None)
        origins = repo.warehouse_codes(session, org_id)
        table = Table()
        for column in ("level", "carrier", "service", "origin", "to", "prefix", "n", "p50",
                       "p90", "p95", "on time", "success", "confidence"):  # fmt: skip
            table.add_column(column, overflow="fold")
        for r in rows:
            table.add_row(
                r.level, r.carrier, r.carrier_service, origins.get(r.origin, r.origin),
                r.dest_country,
                r.postcode_prefix, str(r.shipments), f"{r.p50_days:.1f}", f"{r.p90_days:.1f}",
                f"{r.p95_days:.1f}",
                "" if r.on_time_rate is None else f"{r.on_time_rate:.0%}",
                f"{r.success_rate:.0%}", f"{r.confidence:.2f}",
            )  # fmt: skip
    console.print(table if rows else "no lane statistics yet (no delivered shipments)")


@app.command("check-estimates")
@guarded
def check_estimates(
    org: str = ORG_OPTION,
    split: str | None = typer.Option(
        None, "--split", help="Fit before this date (ISO 8601; default: 30 days ago)."
    ),
) -> None:
    """How the delivery estimates held: lane figures fitted before --split, scored on the
    parcels that started on or after it and have been delivered since."""
    with transaction(engine(settings())) as session:
        org_id = _org_id(session, org)
        at = estimate_check.split_of(split, utcnow())
        result = estimate_check.check_estimates(session, system_principal(org_id), at)
    _say(
        f"fitted on {result.fitted_on} shipments finished in the {statistics.LOOKBACK_DAYS} "
        f"days before {at.date().isoformat()}; scored on {result.overall.delivered} later "
        "deliveries (margin, late and error in days)"
    )
    table = Table()
    for column in ("carrier", "delivered", "estimated", "≤ p50", "≤ p90", "p90 margin",
                   "p90 late", "p50 error"):  # fmt: skip
        table.add_column(column, no_wrap=True)
    for name, s in [("all carriers", result.overall), *result.by_carrier]:
        table.add_row(
            name, str(s.delivered), str(s.estimated), _share(s.p50_hit), _share(s.p90_hit),
            _days(s.p90_margin_days), _days(s.p90_late_days), _days(s.p50_error_days),
        )  # fmt: skip
    console.print(table)


def _share(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.1%}"


def _days(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.2f}"


# Carrier accounts and polling ----------------------------------------------------------------

carriers_app = typer.Typer(help="Carrier tracking API accounts (USPS, UPS, FedEx, DHL).",
                           no_args_is_help=True)  # fmt: skip
app.add_typer(carriers_app, name="carriers")


def _secret(value: str | None, field: str, carrier: str) -> str:
    """A credential from its option, else asked for without echo (never in shell history)."""
    if value:
        return value
    return str(typer.prompt(f"{carrier} {field}", hide_input=True))


@carriers_app.command("add")
@guarded
def carriers_add(
    carrier: str = typer.Argument(..., help="usps, ups, fedex or dhl."),
    org: str = ORG_OPTION,
    name: str | None = typer.Option(None, "--name", help="A label (default: the carrier)."),
    client_id: str | None = typer.Option(None, "--client-id", help="OAuth client id."),
    client_secret: str | None = typer.Option(None, "--client-secret", help="Asked if omitted."),
    api_key: str | None = typer.Option(None, "--api-key", help="DHL API key; asked if omitted."),
    sandbox: bool = typer.Option(False, "--sandbox", help="Call the carrier's test base URL."),
) -> None:
    """Store a carrier's tracking API credentials (encrypted) for the organisation."""
    carrier = carrier.strip().lower()
    if carrier == "dhl":
        credentials = {"api_key": _secret(api_key, "API key", carrier)}
    else:
        credentials = {
            "client_id": _secret(client_id, "client id", carrier),
            "client_secret": _secret(client_secret, "client secret", carrier),
        }
    current = settings()
    with transaction(engine(current)) as session:
        actor = system_principal(_org_id(session, org), "cli")
        row = carrier_accounts.add_carrier_account(
            session, actor, SecretBox(current.encryption_keys()), carrier, name or carrier,
            credentials, "sandbox" if sandbox else "production",
        )  # fmt: skip
        view = carrier_accounts.account_view(row)
    _say(f"added {view['carrier']} {view['environment']} account {view['id']} "
         f"({view['credentials_masked']})")  # fmt: skip


@carriers_app.command("list")
@guarded
def carriers_list(org: str = ORG_OPTION) -> None:
    """The organisation's carrier accounts, credentials masked, with their last poll."""
    with transaction(engine(settings())) as session:
        actor = system_principal(_org_id(session, org), "cli")
        views = [carrier_accounts.account_view(r)
                 for r in carrier_accounts.carrier_accounts(session, actor)]  # fmt: skip
    table = Table("id", "carrier", "name", "environment", "credentials", "active", "last run",
                  "last error")  # fmt: skip
    for v in views:
        last = v["last_run_at"].isoformat(timespec="seconds") if v["last_run_at"] else "never"
        table.add_row(v["id"], v["carrier"], v["name"], v["environment"], v["credentials_masked"],
                      "yes" if v["active"] else "no", last, v["last_error"] or "")  # fmt: skip
    console.print(table)


@carriers_app.command("remove")
@guarded
def carriers_remove(
    account_id: str = typer.Argument(..., help="The account id (see `list`)."),
    org: str = ORG_OPTION,
) -> None:
    """Remove a carrier account: its parcels are no longer polled."""
    with transaction(engine(settings())) as session:
        actor = system_principal(_org_id(session, org), "cli")
        carrier_accounts.delete_carrier_account(session, actor, account_id)
    _say(f"removed carrier account {account_id}")


@app.command("poll")
@guarded
def poll(org: str = ORG_OPTION) -> None:
    """Poll the organisation's carrier APIs now (what the 15-minute job does)."""
    current = settings()
    with transaction(engine(current)) as session:
        run = poll_organisation(
            session, _org_id(session, org), SecretBox(current.encryption_keys())
        )
    errors = "; ".join(f"{c}: {e}" for c, e in sorted(run.carrier_errors.items())) or "none"
    _say(
        f"{run.accounts} accounts; {run.polled} parcels polled ({run.deferred} deferred); "
        f"{run.events_inserted} events stored for {run.updates} updates; {run.not_found} not "
        f"found; {run.dead_letters} dead letters; carrier errors: {errors}"
        + (f"; being polled by another run: {', '.join(run.busy)}" if run.busy else "")
    )
    if run.carrier_errors:
        raise typer.Exit(1)
