"""Short transactions that retry when the database says "try again".

PostgreSQL aborts a transaction with SQLSTATE 40001 (serialization failure) or 40P01 (deadlock
detected); SQLite answers "database is locked" when its busy timeout runs out. Each is safe to
retry from the start because the unit of work rolled everything back.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from linkstar.db.uow import unit_of_work

log = logging.getLogger(__name__)

T = TypeVar("T")
RETRY_SQLSTATES = frozenset({"40001", "40P01"})
MAX_ATTEMPTS = 8


def is_retryable(exc: BaseException) -> bool:
    """A serialization failure, a deadlock or a locked SQLite database."""
    if not isinstance(exc, DBAPIError):
        return False
    state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    if state in RETRY_SQLSTATES:
        return True
    return "database is locked" in str(exc.orig).lower()


def in_transaction(
    sessions: sessionmaker[Session], work: Callable[[Session], T], attempts: int = MAX_ATTEMPTS
) -> T:
    """Run `work` in its own unit of work, retrying retryable failures with jittered backoff."""
    for attempt in range(1, attempts + 1):
        try:
            with unit_of_work(sessions) as session:
                return work(session)
        except DBAPIError as exc:
            if attempt == attempts or not is_retryable(exc):
                raise
            log.info("retrying a stock transaction (attempt %d): %s", attempt, exc.orig)
            time.sleep(random.uniform(0, 0.005 * 2**attempt))
    raise AssertionError("unreachable")  # pragma: no cover
