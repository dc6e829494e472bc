"""Small helpers shared by the settings pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar
from zoneinfo import available_timezones

from sqlalchemy.orm import Session

from linkstar.kit.errors import LinkStarError
from linkstar.web.context import Page
from linkstar.web.forms import FormState, service_error

T = TypeVar("T")


@lru_cache(maxsize=1)
def timezones() -> tuple[str, ...]:
    """IANA timezone names for the pickers, sorted."""
    return tuple(sorted(z for z in available_timezones() if "/" in z or z == "UTC"))


def attempt(
    page: Page, state: FormState, fields: list[str], action: Callable[[Session], T]
) -> T | None:
    """Run a service call; an expected failure undoes its writes and lands in `state`.

    The page is then re-rendered with the message, so nothing half-done may stay in the unit
    of work that commits with that response.
    """
    try:
        return action(page.session)
    except LinkStarError as exc:
        page.session.rollback()
        service_error(exc, state, fields)
        return None
