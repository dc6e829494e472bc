"""`linkstar orders sync`: poll a store now, or show every store's polling state;
`linkstar orders authorise`: a store's first consent on its platform."""

from __future__ import annotations

import typer
from rich.table import Table

from linkstar.cli.context import console, engine, guarded, settings, transaction
from linkstar.cli.orders import ORG_OPTION, _actor, _say, _store, app
from linkstar.kit.crypto import SecretBox
from linkstar.orders.sync import consent, service
from linkstar.orders.sync.connect import environment
from linkstar.workspace import repository as repo


@app.command("sync")
@guarded
def sync_store(
    org: str = ORG_OPTION,
    store: str | None = typer.Option(None, "--store", help="Store name; omit to list states."),
    every: int | None = typer.Option(
        None, "--every", min=1, max=1440, help="Set the store's poll interval (minutes)."
    ),
) -> None:
    """Poll a store once now (pages ingested as they come; throttling reschedules)."""
    current = settings()
    with transaction(engine(current)) as session:
        actor = _actor(session, org)
        if store is None:
            states = service.sync_states(session, actor.organisation_id)
            table = Table()
            for column in ("store", "channel", "polled", "last poll", "status", "cursor", "next"):
                table.add_column(column, overflow="fold")
            for row in repo.StoreRepository(session, actor.organisation_id).list():
                st = states.get(row.id)
                table.add_row(
                    row.name,
                    row.channel,
                    "yes" if service.is_polled(row) else "no",
                    st.last_poll_at.isoformat() if st and st.last_poll_at else "never",
                    f"{st.last_status} {st.last_error}".strip() if st else "never",
                    st.cursor.isoformat() if st and st.cursor else "",
                    st.next_run_at.isoformat() if st and st.next_run_at else "",
                )
            console.print(table)
            return
        store_id = _store(session, actor, store).id
        if every is not None:
            service.set_interval(session, actor, store_id, every)
            _say(f"{store}: polled every {every} minute(s)")
            return
        outcome = service.poll_store(
            session, actor.organisation_id, store_id, SecretBox(current.encryption_keys())
        )
    _say(
        f"{store}: {outcome.status}, {outcome.fetched} fetched in {outcome.pages} page(s), "
        f"{outcome.created} created, {outcome.updated} updated, "
        f"{outcome.dead_letters} dead-lettered"
    )
    _say(f"cursor {outcome.cursor.isoformat() if outcome.cursor else '-'}; next run "
         f"{outcome.next_run_at.isoformat() if outcome.next_run_at else '-'}")  # fmt: skip
    if outcome.error:
        _say(f"stopped: {outcome.error}")


@app.command("authorise")
@guarded
def authorise_store(
    org: str = ORG_OPTION,
    store: str = typer.Option(..., "--store", help="Store name."),
    redirect_uri: str = typer.Option(
        "http://127.0.0.1:8000" + consent.CALLBACK_PATH,
        "--redirect-uri",
        help="The redirect URL registered in the store's app (default: the local console's).",
    ),
    callback: str | None = typer.Option(
        None, "--callback", help="The address the browser landed on after consenting."
    ),
) -> None:
    """Authorise a store on its platform: print the consent URL, then (with --callback) keep
    what the platform grants. A console at the redirect URL completes it by itself."""
    current = settings()
    box = SecretBox(current.encryption_keys())
    with transaction(engine(current)) as session:
        actor = _actor(session, org)
        store_id = _store(session, actor, store).id
        if callback is None:
            started = consent.start(session, actor, store_id, box, redirect_uri, environment())
            until = f"{started.expires_at:%H:%M} UTC"
            _say(f"Open this address, sign in and consent (valid until {until}):")
            console.print(started.url, soft_wrap=True)
            _say(f"Then run this command again with --callback 'ADDRESS' (the page at "
                 f"{started.redirect_uri} that the browser lands on).")  # fmt: skip
            return
        query = consent.callback_query(callback)
        done = consent.complete(session, actor, query, box, environment(), store_id)
    _say(f"{done.name}: authorised; credentials stored ({done.credentials_hint})")
