"""`linkstar address check`: check a CSV of addresses into a result CSV (no database needed);
`linkstar address policy show|set`: the workspace's stored address policy."""

from __future__ import annotations

import json
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
from sqlalchemy.orm import Session

from linkstar.addresses import policy_store
from linkstar.addresses.core import Policy, Verdict, check
from linkstar.addresses.files import Row, RowError, read_addresses, result_row, write_results
from linkstar.cli.context import console, engine, err_console, guarded, settings, transaction
from linkstar.kit.errors import InvalidInput, NotFound
from linkstar.workspace import repository as repo
from linkstar.workspace.core import Principal, system_principal

app = typer.Typer(
    help="Check addresses: normalise, validate, classify and decide.", no_args_is_help=True
)

policy_app = typer.Typer(help="The workspace's address policy (stored, versioned).")
app.add_typer(policy_app, name="policy")

_SHOWN_ERRORS = 50
ORG_OPTION = typer.Option(..., "--org", help="Organisation slug (see `linkstar org list`).")


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


def _actor(session: Session, slug: str) -> Principal:
    org = repo.organisation_by_slug(session, slug)
    if org is None:
        raise NotFound(f"no organisation with slug {slug!r}")
    return system_principal(org.id, "cli")


@policy_app.command("show")
@guarded
def policy_show(org: str = ORG_OPTION) -> None:
    """Print the policy in force as JSON (version 0 is the built-in default)."""
    with transaction(engine(settings())) as session:
        found = policy_store.get_policy(session, _actor(session, org))
    err_console.print(
        f"version {found.version}"
        + (f", set by {found.set_by} at {found.set_at:%Y-%m-%d %H:%M} UTC" if found.set_by else "")
        + (" (the default)" if found.version == 0 else ""),
        highlight=False,
        markup=False,
    )
    print(json.dumps(found.policy.to_dict(), indent=2, ensure_ascii=False))


@policy_app.command("set")
@guarded
def policy_set(
    path: Path = typer.Argument(..., help="The policy as JSON (see docs/formats/addresses.md)."),
    org: str = ORG_OPTION,
) -> None:
    """Validate a policy file and store it as the next version; every problem is listed."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeError) as exc:
        raise InvalidInput(f"cannot read the policy {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{path} is not valid JSON: {exc}") from None
    with transaction(engine(settings())) as session:
        actor = _actor(session, org)
        try:
            found = policy_store.set_policy(session, actor, data)
        except policy_store.PolicyRejected as exc:
            for error in exc.errors:
                err_console.print(
                    f"{path}: {error['path']}: {error['reason']}", highlight=False, markup=False
                )
            err_console.print(
                f"rejected: {len(exc.errors)} problem(s), nothing was stored", highlight=False
            )
            raise typer.Exit(1) from None
    console.print(f"address policy version {found.version} in force", highlight=False)
