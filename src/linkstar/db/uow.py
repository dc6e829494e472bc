"""The unit of work: one transaction owned by the entry point (request, job, command)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session, sessionmaker

from linkstar.kit.errors import LinkStarError


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Yield a session; commit when the block succeeds, roll back when it raises.

    An error flagged `keep_changes` (see LinkStarError) commits before it propagates.
    """
    session = factory()
    try:
        yield session
        session.commit()
    except LinkStarError as exc:
        if exc.keep_changes:
            session.commit()
        else:
            session.rollback()
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
