"""Inbox dead letters: refused contact forms and marketplace buyer messages, retry or discard."""

from __future__ import annotations

from typing import Literal

from fastapi import Depends

from linkstar.api.deps import DbSession
from linkstar.api.pagination import Paging
from linkstar.api.routing import api_router, errors, needs
from linkstar.api.schemas import PageOf
from linkstar.inbox import dead_letters
from linkstar.inbox.schemas import InboxDeadLetterRead, InboxDeadLetterRetryRead
from linkstar.workspace.core import Permission, Principal

router = api_router("inbox")
READ = Permission.inbox_read
MANAGE = Permission.inbox_manage


@router.get(
    "/inbox/dead-letters",
    summary="List inbox dead letters",
    description="Contact forms (`contact_form`) and marketplace buyer messages "
    "(`<channel>_messages`) that could not be stored, newest first, with the reason; `state` "
    "is new (default), retried or discarded.",
    response_model=PageOf[InboxDeadLetterRead],
    responses=errors(403, 422),
)
def list_dead_letters(
    paging: Paging,
    session: DbSession,
    state: Literal["new", "retried", "discarded"] = "new",
    actor: Principal = Depends(needs(READ)),
) -> dict[str, object]:
    """A page of the inbox's dead letters."""
    page = dead_letters.list_dead_letters(session, actor, state, paging.limit, paging.cursor)
    return paging.out(page, InboxDeadLetterRead.model_validate)


@router.post(
    "/inbox/dead-letters/{inbox_dead_letter_id}/retry",
    summary="Retry an inbox dead letter",
    description="Parses a contact form again and stores the message. A retry that fails again "
    "(or a marketplace message, which cannot be parsed alone) leaves the letter new with the "
    "reason and stores nothing; a letter that is not new is 409.",
    response_model=InboxDeadLetterRetryRead,
    responses=errors(403, 404, 409),
)
def retry_dead_letter(
    inbox_dead_letter_id: str, session: DbSession, actor: Principal = Depends(needs(MANAGE))
) -> InboxDeadLetterRetryRead:
    """Try the payload again."""
    result = dead_letters.retry(session, actor, inbox_dead_letter_id)
    return InboxDeadLetterRetryRead(
        dead_letter=InboxDeadLetterRead.model_validate(result.dead_letter),
        succeeded=result.error is None,
        messages=result.messages,
        error=result.error,
    )


@router.post(
    "/inbox/dead-letters/{inbox_dead_letter_id}/discard",
    summary="Discard an inbox dead letter",
    description="Marks it discarded (it is kept for the record); a letter that is not new is 409.",
    response_model=InboxDeadLetterRead,
    responses=errors(403, 404, 409),
)
def discard_dead_letter(
    inbox_dead_letter_id: str, session: DbSession, actor: Principal = Depends(needs(MANAGE))
) -> InboxDeadLetterRead:
    """Give up on the payload."""
    return InboxDeadLetterRead.model_validate(
        dead_letters.discard(session, actor, inbox_dead_letter_id)
    )
