"""What every command needs: settings, an engine that answers, and one clean way to fail."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from linkstar.config import ConfigError, Settings, get_settings
from linkstar.db.engine import make_engine, make_session_factory, ping
from linkstar.db.migrate import is_up_to_date
from linkstar.db.uow import unit_of_work
from linkstar.kit.errors import LinkStarError
from linkstar.kit.logs import configure_logging

console = Console()
err_console = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print a one-line reason on stderr and return the exit to raise."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def guarded(func: Callable[P, R]) -> Callable[P, R]:
    """Turn expected failures (settings, database, broker, domain errors) into one line + exit 1."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ConfigError as exc:
            raise fail(str(exc), 2) from None
        except LinkStarError as exc:
            raise fail(exc.message) from None

    return wrapper


def settings() -> Settings:
    """The settings, with logging configured from them."""
    current = get_settings()
    configure_logging(current.log_level, current.log_json)
    return current


def engine(current: Settings, *, require_schema: bool = True) -> Engine:
    """An engine that has answered a ping and, unless told otherwise, has an up-to-date schema."""
    eng = make_engine(current.database_url)
    ping(eng)
    if require_schema and not is_up_to_date(eng):
        raise LinkStarError("the database schema is not up to date: run `linkstar db upgrade`")
    return eng


@contextmanager
def transaction(eng: Engine) -> Iterator[Session]:
    """The command's unit of work: commit on success, roll back on error."""
    with unit_of_work(make_session_factory(eng)) as session:
        yield session
