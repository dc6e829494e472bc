"""`linkstar demo`: load or reset the demo workspace."""

from __future__ import annotations

import typer
from rich.table import Table

from linkstar.cli.context import console, engine, guarded, settings, transaction
from linkstar.demo import workspace as demo_workspace
from linkstar.kit.crypto import SecretBox

app = typer.Typer(help="The demo workspace.", no_args_is_help=True)


@app.command("load")
@guarded
def load(
    reset: bool = typer.Option(False, "--reset", help="Delete the demo workspace first."),
) -> None:
    """Load the demo workspace (kept as it is when it already exists, unless --reset)."""
    current = settings()
    eng = engine(current)
    box = SecretBox(current.encryption_keys())
    with transaction(eng) as session:
        if reset:
            demo_workspace.reset(session)
            session.flush()
        summary = demo_workspace.load(session, box)
    if summary.created:
        console.print(f"demo workspace [bold]{summary.organisation.name}[/] created")
    else:
        console.print(f"demo workspace [bold]{summary.organisation.name}[/] kept as it is")
    print_logins(summary.api_key)


def print_logins(api_key: str | None = None) -> None:
    """The demo sign-ins, one per role."""
    table = Table(
        title="Demo sign-in (password for every user: " + demo_workspace.DEMO_PASSWORD + ")"
    )
    table.add_column("e-mail")
    table.add_column("role")
    table.add_row(demo_workspace.DEMO_OWNER, "owner")
    for email, _name, role in demo_workspace.DEMO_USERS:
        table.add_row(email, role.value)
    console.print(table)
    if api_key:
        console.print(f"demo API key (shown once): [bold]{api_key}[/]")


@app.command("reset")
@guarded
def reset_command() -> None:
    """Delete the demo workspace and load it afresh."""
    load(reset=True)
