"""`linkstar inbox dkim-key`: key file written private, DNS record printed, checked by dkimpy."""

from __future__ import annotations

import stat

import dkim
from typer.testing import CliRunner

from linkstar.cli.main import app

runner = CliRunner()


def test_dkim_key_writes_a_private_key_and_prints_the_record(tmp_path):
    out = tmp_path / "dkim.pem"
    r = runner.invoke(
        app,
        [
            "inbox",
            "dkim-key",
            "-d",
            "acme-shop.example",
            "-s",
            "ls2026",
            "-o",
            str(out),
            "--bits",
            "1024",
        ],
    )
    assert r.exit_code == 0, r.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "TXT name:    ls2026._domainkey.acme-shop.example" in r.output
    value = next(line for line in r.output.splitlines() if line.startswith("TXT value:"))
    record = value.removeprefix("TXT value:").strip()
    assert record.startswith("v=DKIM1; k=rsa; p=")
    # The printed record verifies a message signed with the written key.
    message = b"From: a@acme-shop.example\r\nTo: b@example.org\r\nSubject: hi\r\n\r\nhello\r\n"
    signature = dkim.sign(message, b"ls2026", b"acme-shop.example", out.read_bytes())
    assert dkim.verify(signature + message, dnsfunc=lambda name, timeout=5: record.encode())


def test_dkim_key_refuses_to_overwrite_and_bad_selector(tmp_path):
    out = tmp_path / "dkim.pem"
    out.write_text("existing")
    r = runner.invoke(app, ["inbox", "dkim-key", "-d", "acme.example", "-o", str(out)])
    assert r.exit_code == 1 and "--force" in r.output
    assert out.read_text() == "existing"
    r = runner.invoke(
        app, ["inbox", "dkim-key", "-d", "acme.example", "-s", "a b", "-o", str(tmp_path / "k")]
    )
    assert r.exit_code == 1 and "selector" in r.output
    assert not (tmp_path / "k").exists()
