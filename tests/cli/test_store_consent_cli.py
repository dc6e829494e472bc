"""`linkstar orders authorise`: the consent URL, then the pasted redirect, through the CLI."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.cli import test_order_sync_cli as cli
from tests.orders.sync import test_consent as flow

# Fixtures shared with the other tests (pytest finds them as module attributes).
org = cli.org
lwa = flow.lwa
consent_env = flow.consent_env
box = flow.box


def test_authorise_prints_the_consent_url_then_keeps_the_grant(
    org, sessions, tenant, box, lwa, consent_env
):  # type: ignore[no-untyped-def]
    store_id = flow._store(sessions, tenant.org.id, box)
    first = cli.run("orders", "authorise", "--org", org, "--store", "Amazon US",
                    "--redirect-uri", flow.BACK)  # fmt: skip
    assert first.exit_code == 0, first.output
    assert "valid until 12:15 UTC" in first.output
    (url,) = re.findall(
        r"https://sellercentral\.amazon\.com/apps/authorize/consent\?\S+", first.output
    )
    state = parse_qs(urlsplit(url).query)["state"][0]
    landed = flow.BACK + "?" + urlencode({"spapi_oauth_code": "ANxyz", "state": state})
    done = cli.run(
        "orders", "authorise", "--org", org, "--store", "Amazon US", "--callback", landed
    )
    assert done.exit_code == 0, done.output
    assert "Amazon US: authorised; credentials stored" in done.output
    sealed, _hint, _ = flow._sealed(sessions, store_id)
    assert box.open(sealed or "")["refresh_token"] == "Atzr|granted"


def test_authorise_refuses_a_redirect_for_another_store(
    org, sessions, tenant, box, lwa, consent_env
):  # type: ignore[no-untyped-def]
    flow._store(sessions, tenant.org.id, box)
    other = flow._store(sessions, tenant.org.id, box, name="Amazon CA")
    before = flow._sealed(sessions, other)
    first = cli.run("orders", "authorise", "--org", org, "--store", "Amazon US",
                    "--redirect-uri", flow.BACK)  # fmt: skip
    (url,) = re.findall(r"https://\S+consent\?\S+", first.output)
    state = parse_qs(urlsplit(url).query)["state"][0]
    landed = flow.BACK + "?" + urlencode({"spapi_oauth_code": "ANxyz", "state": state})
    wrong = cli.run(
        "orders", "authorise", "--org", org, "--store", "Amazon CA", "--callback", landed
    )
    assert wrong.exit_code == 1 and "this redirect authorises another store" in wrong.output
    assert flow._sealed(sessions, other) == before and lwa.requests == []
