"""`linkstar inbox approvals`: the replies waiting for approval; `linkstar inbox approve` and
`linkstar inbox reject` decide one (audited as the CLI)."""

from __future__ import annotations

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from linkstar.cli.context import console, engine, guarded, settings, transaction
from linkstar.inbox import approvals
from linkstar.inbox.schemas import ApprovalDecision
from linkstar.kit.errors import NotFound
from linkstar.workspace import repository as repo
from linkstar.workspace.core import Principal, system_principal

ORG = typer.Option(..., "--org", help="Organisation slug (see `linkstar org list`).")


def _actor(session: Session, org: str) -> Principal:
    found = repo.organisation_by_slug(session, org)
    if found is None:
        raise NotFound(f"no organisation with slug {org!r}")
    return system_principal(found.id, "cli")


def list_approvals(
    org: str = ORG,
    state: str = typer.Option("pending", "--state", help="pending, approved or rejected."),
    limit: int = typer.Option(50, "--limit", min=1, max=1000),
) -> None:
    """List held replies (oldest first) with why they are held."""
    with transaction(engine(settings())) as session:
        page = approvals.page(session, _actor(session, org), limit, None, state)
        table = Table("reply", "held", "buyer", "channel", "reasons", "reply text", "decision")
        for h in page.items:
            a = h.approval
            decision = f"{a.state} by {a.decided_by}: {a.comment}" if a.decided_at else a.state
            table.add_row(
                h.message.id,
                a.requested_at.strftime("%Y-%m-%d %H:%M"),
                h.thread.buyer_address,
                h.thread.channel,
                ", ".join(str(r.get("code")) for r in a.reasons),
                " ".join(h.message.text.split())[:80],
                decision,
            )
    console.print(table)
    if page.next_cursor:
        console.print(f"(first {limit}; more with --limit)")


def approve(
    reply_id: str = typer.Argument(..., help="The reply's id (first column of the list)."),
    org: str = ORG,
    comment: str = typer.Option("", "--comment", help="Why, for the audit log."),
) -> None:
    """Approve a held reply as drafted and queue it for sending."""
    with transaction(engine(settings())) as session:
        held = approvals.approve(
            session, _actor(session, org), reply_id, ApprovalDecision(comment=comment)
        )
    console.print(f"approved {reply_id}; send job {held.job_id}")


def reject(
    reply_id: str = typer.Argument(..., help="The reply's id (first column of the list)."),
    org: str = ORG,
    comment: str = typer.Option(..., "--comment", help="Why it must not be sent."),
) -> None:
    """Reject a held reply: it is never sent."""
    with transaction(engine(settings())) as session:
        approvals.reject(session, _actor(session, org), reply_id, ApprovalDecision(comment=comment))
    console.print(f"rejected {reply_id}; nothing was sent")


def register(app: typer.Typer) -> None:
    """Add the approval commands to the `linkstar inbox` group."""
    app.command("approvals")(guarded(list_approvals))
    app.command("approve")(guarded(approve))
    app.command("reject")(guarded(reject))
