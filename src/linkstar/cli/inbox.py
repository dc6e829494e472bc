"""`linkstar inbox classify`: understand a CSV of buyer messages into a result CSV (no database);
`linkstar inbox threads`: list an organisation's threads; `linkstar inbox report`: response
times, SLA hit rate, volume and lead conversion."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import typer
from rich.table import Table

from linkstar.cli.context import console, engine, err_console, guarded, settings, transaction
from linkstar.inbox import reports
from linkstar.inbox import service as threads
from linkstar.inbox.core.classify import Message
from linkstar.inbox.files import MessageRow, RowError, read_messages, result_row, write_results
from linkstar.inbox.understanding import classifier
from linkstar.kit.errors import InvalidInput, NotFound
from linkstar.workspace import repository as repo
from linkstar.workspace.core import system_principal

app = typer.Typer(
    help="Buyer inbox: understand messages, list threads, report.", no_args_is_help=True
)

_SHOWN_ERRORS = 50
_BATCH = 512


@app.command("classify")
@guarded
def classify_file(
    source: Path = typer.Argument(..., help="CSV with columns id,text[,subject,channel]"),
    out: Path = typer.Option(..., "--out", "-o", help="Where to write the result CSV."),
) -> None:
    """Classify every message of a CSV file; bad rows are reported, good rows are kept.

    Adds intent, confidence, language, entities (JSON), sentiment, urgency and the keyword rule
    that backed the intent. The model trains on first use (a few seconds) and is cached under
    the data directory.
    """
    if not source.is_file():
        raise InvalidInput(f"{source} is not a file")
    model = classifier(settings())
    errors: list[str] = []
    intents: Counter[str] = Counter()

    def results() -> Iterator[list[str]]:
        batch: list[MessageRow] = []
        for item in read_messages(source):
            if isinstance(item, RowError):
                errors.append(str(item))
                continue
            if item.warning:
                errors.append(item.warning)
            batch.append(item)
            if len(batch) >= _BATCH:
                yield from _flush(batch)
                batch = []
        yield from _flush(batch)

    def _flush(batch: list[MessageRow]) -> Iterator[list[str]]:
        understood = model.classify_batch(
            [Message(r.message.text, r.message.subject, r.message.channel) for r in batch]
        )
        for row, result in zip(batch, understood, strict=True):
            intents[result.intent.value] += 1
            yield result_row(row.id, result)

    written = write_results(out, results())
    for error in errors[:_SHOWN_ERRORS]:
        err_console.print(error, style="yellow", highlight=False, soft_wrap=True, markup=False)
    if len(errors) > _SHOWN_ERRORS:
        err_console.print(f"… and {len(errors) - _SHOWN_ERRORS} more row problems", highlight=False)
    console.print(f"{written} messages classified, results in {out}", highlight=False)
    table = Table()
    table.add_column("intent")
    table.add_column("count", justify="right")
    for intent, count in intents.most_common():
        table.add_row(intent, str(count))
    table.add_row("row errors", str(sum(1 for e in errors if "unknown channel" not in e)))
    console.print(table)


@app.command("threads")
@guarded
def list_threads(
    org: str = typer.Option(..., "--org", help="Organisation slug (see `linkstar org list`)."),
    intent: str = typer.Option("", "--intent", help="Only this intent."),
    channel: str = typer.Option("", "--channel", help="Only this channel."),
    status: str = typer.Option("", "--status", help="open, pending, snoozed or closed."),
    sla: str = typer.Option("", "--sla", help="overdue, due_soon or ok."),
    limit: int = typer.Option(50, "--limit", min=1, max=1000),
) -> None:
    """List an organisation's threads, latest activity first, with intent and SLA state."""
    eng = engine(settings())
    with transaction(eng) as session:
        found = repo.organisation_by_slug(session, org)
        if found is None:
            raise NotFound(f"no organisation with slug {org!r}")
        actor = system_principal(found.id, "cli")
        filters = threads.ThreadFilters(
            intent or None, channel or None, status or None, sla or None
        )
        page = threads.threads_page(session, actor, limit, None, filters)
        table = Table("last activity", "buyer", "channel", "intent", "status", "SLA", "subject")
        for t in page.items:
            table.add_row(
                t.last_activity_at.strftime("%Y-%m-%d %H:%M"),
                t.buyer_name or t.buyer_address,
                t.channel,
                f"{t.intent} {t.confidence:.2f}",
                t.status,
                threads.thread_sla(t).value,
                t.subject[:60],
            )
    console.print(table)
    if page.next_cursor:
        console.print(f"(first {limit}; more with --limit)")


def _hours(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} h"


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


@app.command("report")
@guarded
def report(
    org: str = typer.Option(..., "--org", help="Organisation slug (see `linkstar org list`)."),
    since: str = typer.Option("", "--since", help="First day (YYYY-MM-DD); 30 days back."),
    until: str = typer.Option("", "--until", help="Last day (YYYY-MM-DD); today by default."),
    channel: str = typer.Option("", "--channel", help="Only this channel."),
    grain: str = typer.Option("week", "--grain", help="Volume per day or week."),
    fmt: str = typer.Option("table", "--format", help="table or json."),
) -> None:
    """Response and resolution times, SLA hit rate, volume and lead conversion of the threads
    opened in a date range."""
    if fmt not in ("table", "json"):
        raise InvalidInput(f"--format is table or json, not {fmt!r}")
    r = reports.ReportRange.parse(
        reports.parse_day(since, "--since"),
        reports.parse_day(until, "--until"),
        channel or None,
        grain,
    )
    eng = engine(settings())
    with transaction(eng) as session:
        found = repo.organisation_by_slug(session, org)
        if found is None:
            raise NotFound(f"no organisation with slug {org!r}")
        result = reports.inbox_report(session, system_principal(found.id, "cli"), r)
    if fmt == "json":
        typer.echo(json.dumps(result.as_dict(), indent=2))
        return
    head = f"Threads opened {r.start} to {r.end}" + (f" on {r.channel}" if r.channel else "")
    summary = Table("metric", "value", title=head)
    fr, res = result.first_response, result.resolution
    summary.add_row("threads", str(result.threads))
    summary.add_row("first response p50 / p90", f"{_hours(fr.p50_hours)} / {_hours(fr.p90_hours)}")
    summary.add_row("resolution p50 / p90", f"{_hours(res.p50_hours)} / {_hours(res.p90_hours)}")
    summary.add_row(
        "SLA hit rate",
        f"{_rate(result.sla_hit_rate)} ({result.sla_met} met, {result.sla_missed} missed)",
    )
    summary.add_row(
        "lead conversion",
        f"{_rate(result.lead_conversion)} ({result.leads_converted} of {result.leads})",
    )
    console.print(summary)
    volume = Table(r.grain, "threads", *result.by_channel, title="Volume by channel")
    for p in result.periods:
        volume.add_row(
            p.label, str(p.total), *(str(p.by_channel.get(c, 0)) for c in result.by_channel)
        )
    console.print(volume)
    intents = Table("intent", "threads", title="Volume by intent")
    for intent, n in result.by_intent.items():
        intents.add_row(intent, str(n))
    console.print(intents)
