"""Jobs of addresses.

`addresses.review_decided` announces a decision on a held address to whoever holds the
subject (the order hub releases or cancels its order). Until such a holder exists, the job has
nothing to do and finishes at once; the decision itself is already stored and audited.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from linkstar.db.outbox import JobContext

log = logging.getLogger(__name__)


def review_decided(session: Session, context: JobContext) -> None:
    """No-op default handler: the order hub registers its own under the same name."""
    log.info(
        "address review %s decided (%s) for %s %s; no subscriber",
        context.payload.get("review_id"),
        context.payload.get("decision"),
        context.payload.get("subject_type"),
        context.payload.get("subject_ref"),
    )
