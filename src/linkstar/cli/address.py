"""`linkstar address check`: check a CSV of addresses into a result CSV (no database needed)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from linkstar.addresses.core import Policy, Verdict, check
from linkstar.addresses.files import Row, RowError, read_addresses, result_row, write_results
from linkstar.cli.context import console, err_console, guarded
from linkstar.kit.errors import InvalidInput

app = typer.Typer(
    help="Check addresses: normalise, validate, classify and decide.", no_args_is_help=True
)

_SHOWN_ERRORS = 50


@app.command("check")
@guarded
def check_file(
    source: Path = typer.Argument(
        ..., help="CSV with id,name,company,line1,line2,city,state,postcode,country,phone,email"
    ),
    out: Path = typer.Option(..., "--out", "-o", help="Where to write the result CSV."),
    policy_file: Path | None = typer.Option(
        None, "--policy", help="Policy as JSON (see docs/formats/addresses.md)."
    ),
    postal: bool = typer.Option(
        False, "--postal", help="The parcels go by a postal service (PO boxes allowed)."
    ),
) -> None:
    """Check every address of a CSV file; bad rows are reported, good rows are kept."""
    policy = _policy(policy_file)
    if not source.is_file():
        raise InvalidInput(f"{source} is not a file")
    total = _count_lines(source)
    errors: list[RowError] = []
    verdicts: Counter[Verdict] = Counter()

    def results(progress: Progress, task: TaskID) -> Iterator[list[str]]:
        for item in read_addresses(source):
            progress.advance(task)
            if isinstance(item, RowError):
                errors.append(item)
                continue
            assert isinstance(item, Row)
            result = check(item.address, policy, postal_service=postal)
            verdicts[result.verdict] += 1
            yield result_row(result)

    columns = (TextColumn("checking"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as progress:
        task = progress.add_task("check", total=total)
        write_results(out, results(progress, task))
    for error in errors[:_SHOWN_ERRORS]:
        err_console.print(f"[yellow]{error}[/]", highlight=False, soft_wrap=True)
    if len(errors) > _SHOWN_ERRORS:
        err_console.print(f"… and {len(errors) - _SHOWN_ERRORS} more row errors", highlight=False)
    console.print(f"{sum(verdicts.values())} addresses checked, results in {out}", highlight=False)
    table = Table()
    table.add_column("verdict")
    table.add_column("count", justify="right")
    for verdict in Verdict:
        table.add_row(verdict.value, str(verdicts[verdict]))
    table.add_row("row errors", str(len(errors)))
    console.print(table)


def _policy(path: Path | None) -> Policy:
    if path is None:
        return Policy()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeError) as exc:
        raise InvalidInput(f"cannot read the policy {path}: {exc}") from None
    try:
        return Policy.from_json(text)
    except InvalidInput as exc:
        raise InvalidInput(f"{path}: {exc.message}") from None


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return max(
            0, sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b"")) - 1
        )
