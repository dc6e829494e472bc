"""`linkstar db`: schema migrations."""

from __future__ import annotations

import typer

from linkstar.cli.context import console, engine, guarded, settings
from linkstar.db import migrate

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
@guarded
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Create or migrate the database schema to the latest revision."""
    current = settings()
    eng = engine(current, require_schema=False)
    before = migrate.current_revision(eng)
    migrate.upgrade(eng, revision)
    after = migrate.current_revision(eng)
    if before == after:
        console.print(f"database already at revision [bold]{after}[/]")
    else:
        console.print(f"database migrated from [bold]{before or 'empty'}[/] to [bold]{after}[/]")


@app.command("current")
@guarded
def current() -> None:
    """Show the schema revision of the database and the newest one available."""
    eng = engine(settings(), require_schema=False)
    console.print(
        f"current: {migrate.current_revision(eng) or 'empty'}  head: {migrate.head_revision(eng)}"
    )
