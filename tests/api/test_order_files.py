"""POST /orders/import-file: marketplace exports through the preset parsers into the hub."""

from __future__ import annotations

from pathlib import Path

from tests.api.conftest import assert_error

EXAMPLES = Path(__file__).parents[2] / "examples" / "channels"


def _upload(caller, store_id: str, name: str, data: bytes, preset: str):  # type: ignore[no-untyped-def]
    return caller.post(
        "/orders/import-file",
        files={"file": (name, data, "text/csv")},
        data={"store_id": store_id, "preset": preset},
    )


def test_example_exports_import_once(api, tenant):  # type: ignore[no-untyped-def]
    caller = api.with_key(tenant)
    store_id = api.store(tenant)
    data = (EXAMPLES / "linkstar-orders.csv").read_bytes()
    first = _upload(caller, store_id, "linkstar-orders.csv", data, "linkstar")
    assert first.status_code == 201, first.text
    body = first.json()
    assert (body["rows"], body["orders"], body["created"], body["row_errors"]) == (3, 2, 2, [])
    listed = caller.get("/orders").json()
    assert sorted(o["external_id"] for o in listed["items"]) == [
        "WEB-20261204-0001",
        "WEB-20261204-0002",
    ]
    again = _upload(caller, store_id, "linkstar-orders.csv", data, "linkstar").json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    assert caller.get("/orders").json()["total"] == 2


def test_bad_row_rejects_only_its_order(api, tenant):  # type: ignore[no-untyped-def]
    caller = api.with_key(tenant)
    store_id = api.store(tenant)
    lines = (EXAMPLES / "linkstar-orders.csv").read_text(encoding="utf-8").splitlines()
    # Order 0002's only row gets a quantity that is not a number.
    lines[3] = lines[3].replace(",1,29.00,", ",lots,29.00,")
    data = ("\n".join(lines) + "\n").encode()
    r = _upload(caller, store_id, "orders.csv", data, "linkstar")
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["orders"], body["created"]) == (1, 1)
    assert [(e["row"], e["column"]) for e in body["row_errors"]] == [(4, "quantity")]
    assert [o["external_id"] for o in caller.get("/orders").json()["items"]] == [
        "WEB-20261204-0001"
    ]


def test_an_amazon_all_orders_report_imports_with_the_amazon_preset(api, tenant):  # type: ignore[no-untyped-def]
    caller = api.with_key(tenant)
    store_id = api.store(tenant)
    data = (EXAMPLES / "amazon-all-orders-report.txt").read_bytes()
    r = _upload(caller, store_id, "All Orders.txt", data, "amazon")
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["rows"], body["orders"], body["created"], body["row_errors"]) == (4, 3, 3, [])
    listed = {o["external_id"]: o for o in caller.get("/orders").json()["items"]}
    assert sorted(listed) == ["111-2203918-5570011", "113-6014921-4433810", "114-7730021-9182734"]


def test_refusals_write_nothing(api, tenant):  # type: ignore[no-untyped-def]
    caller = api.with_key(tenant)
    store_id = api.store(tenant)
    data = (EXAMPLES / "linkstar-orders.csv").read_bytes()
    assert_error(_upload(caller, store_id, "o.csv", data, "etsy"), 422, "invalid_input")
    assert_error(_upload(caller, store_id, "o.csv", b"", "linkstar"), 422, "invalid_input")
    missing = caller.post("/orders/import-file", files={"file": ("o.csv", data, "text/csv")})
    assert_error(missing, 422, "invalid_input")
    assert_error(_upload(caller, "no-such-store", "o.csv", data, "linkstar"), 404, "not_found")
    assert caller.get("/orders").json()["total"] == 0


def test_upload_through_the_address_worker(api, tenant, monkeypatch):  # type: ignore[no-untyped-def]
    from linkstar.orders import lookahead

    taken: list[int] = []
    real = lookahead.AddressLookahead.take

    def spy(self, count, stored, policy):  # type: ignore[no-untyped-def]
        taken.append(count)
        return real(self, count, stored, policy)

    monkeypatch.setattr(lookahead, "MIN_ROWS", 1)  # the worker whatever the file's size
    monkeypatch.setattr(lookahead.AddressLookahead, "take", spy)
    caller = api.with_key(tenant)
    store_id = api.store(tenant)
    data = (EXAMPLES / "linkstar-orders.csv").read_bytes()
    first = _upload(caller, store_id, "linkstar-orders.csv", data, "linkstar")
    assert first.status_code == 201, first.text
    assert (first.json()["created"], first.json()["row_errors"]) == (2, [])
    assert taken == [2]
    listed = caller.get("/orders").json()["items"]
    assert sorted((o["external_id"], o["address_verdict"]) for o in listed) == [
        ("WEB-20261204-0001", "valid"),
        ("WEB-20261204-0002", "valid"),
    ]
