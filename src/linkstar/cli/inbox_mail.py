"""`linkstar inbox dkim-key`: a DKIM key pair and the DNS TXT record that publishes it."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from linkstar.cli.context import console, guarded
from linkstar.inbox.channels.dkim_keys import generate
from linkstar.kit.errors import InvalidInput


def dkim_key(
    domain: str = typer.Option(..., "--domain", "-d", help="The From: domain that signs."),
    selector: str = typer.Option("linkstar", "--selector", "-s", help="One DNS label."),
    out: Path = typer.Option(..., "--out", "-o", help="Where to write the private key (PEM)."),
    bits: int = typer.Option(2048, "--bits", help="RSA key size: 1024, 2048, 3072 or 4096."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing key file."),
) -> None:
    """Generate an RSA DKIM key; print the TXT record to publish and write the key (mode 600).

    Paste the key into the mail account's `dkim_private_key` (stored encrypted), publish the
    record at `<selector>._domainkey.<domain>`, then send yourself a message to check it.
    """
    if out.exists() and not force:
        raise InvalidInput(f"{out} exists; pass --force to overwrite it")
    try:
        pair = generate(domain, selector, bits)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pair.private_key_pem)
    out.chmod(0o600)
    console.print(f"private key: {out} (keep it secret; mode 600)")
    console.print(f"TXT name:    {pair.record_name}")
    console.print(f"TXT value:   {pair.record_value}", soft_wrap=True)
    console.print("zone file:", soft_wrap=True)
    console.print(pair.zone_line(), soft_wrap=True, markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    """Add the e-mail commands to the `linkstar inbox` group."""
    app.command("dkim-key")(guarded(dkim_key))
