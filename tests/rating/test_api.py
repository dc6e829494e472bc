"""/api/v1 rate cards and quotes through the HTTP client."""

from __future__ import annotations

import pytest

from linkstar.workspace.core import Role
from tests.api.conftest import Api, assert_error
from tests.rating.importing import broken_copy, example_files, xlsx_of, zip_of

QUOTE = {
    "origin_country": "US",
    "origin_postcode": "91761",
    "dest_country": "US",
    "dest_postcode": "90210",
    "weight_g": 1200,
    "length_mm": 300,
    "width_mm": 200,
    "height_mm": 100,
    "ship_date": "2026-12-01",
    "residential": True,
}


@pytest.fixture
def api(client, sessions) -> Api:
    return Api(client, sessions)


@pytest.fixture
def owner(api, tenant):
    return api.with_key(tenant)


def _upload(caller, data: bytes, name: str = "card.zip", **form: str):
    return caller.post("/rate-cards/import", files={"file": (name, data)}, data=form)


def test_import_list_read_and_quote(api, owner, tenant):
    r = _upload(owner, zip_of(example_files()))
    assert r.status_code == 201, r.text
    card = r.json()
    assert (card["carrier"], card["version"], card["effective_from"]) == (
        "westcoast",
        1,
        "2026-01-01",
    )
    assert card["status"] == "active" and card["source_filename"] == "card.zip"
    x = _upload(owner, xlsx_of(example_files()), "card.xlsx", effective_from="2026-06-01")
    assert x.status_code == 201, x.text
    assert x.json()["version"] == 2
    listed = owner.get("/rate-cards").json()
    assert [c["version"] for c in listed["items"]] == [2, 1]  # newest first
    first = owner.get(f"/rate-cards/{card['id']}").json()
    assert (first["effective_to"], first["status"]) == ("2026-05-31", "superseded")
    q = owner.post("/quotes", json=QUOTE)
    assert q.status_code == 200, q.text
    body = q.json()
    assert body["ship_date"] == "2026-12-01" and body["ineligible"] == []
    ground = body["eligible"][0]
    assert (ground["service_id"], ground["total"], ground["total_text"]) == (
        "WCP-GND",
        1520,
        "15.20",
    )
    assert ground["rate_card_id"] == x.json()["id"]
    assert [line["code"] for line in ground["lines"]] == ["base", "residential", "peak", "fuel"]
    far = owner.post("/quotes", json={**QUOTE, "dest_postcode": "10001"}).json()
    assert far["eligible"] == [] and far["ineligible"][0]["reasons"] == ["no_zone"]


def test_a_rejected_upload_lists_every_error_and_writes_nothing(api, owner, tenant, tmp_path):
    broken = broken_copy(
        tmp_path / "card",
        {"prices.csv": [("6.40", "6.405")], "services.csv": [(",12.5,9.95,", ",abc,9.95,")]},
    )
    files = {p.name: p.read_bytes() for p in sorted(broken.glob("*.csv"))}
    counts = api.counts()
    r = _upload(owner, zip_of(files))
    error = assert_error(r, 422, "rate_card_rejected")
    assert error["details"]["errors"] == [
        {"source": "prices.csv", "row": 3, "column": "price",
         "reason": "'6.405' has more than 2 decimals for USD"},
        {"source": "services.csv", "row": 3, "column": "fuel_pct",
         "reason": "'abc' is not a percentage like 12.5"},
    ]  # fmt: skip
    assert_error(_upload(owner, b"not a workbook", "card.pdf"), 422, "rate_card_rejected")
    assert api.counts() == counts


def test_idempotent_import(api, owner):
    boundary = "linkstar-test-boundary"
    payload = zip_of(example_files())
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="card.zip"\r\n'
            f"Content-Type: application/zip\r\n\r\n"
        ).encode()
        + payload
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Idempotency-Key": "card-upload-1",
    }
    first = owner.post("/rate-cards/import", content=body, headers=headers)
    again = owner.post("/rate-cards/import", content=body, headers=headers)
    assert first.status_code == again.status_code == 201, first.text
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    assert len(owner.get("/rate-cards").json()["items"]) == 1


def test_permissions(api, tenant):
    reader = api.with_key(tenant, ["routing:read"])
    nobody = api.with_key(tenant, ["orders:read"])
    assert_error(_upload(reader, zip_of(example_files())), 403, "permission_denied")
    assert_error(nobody.get("/rate-cards"), 403, "permission_denied")
    assert_error(nobody.post("/quotes", json=QUOTE), 403, "permission_denied")
    assert reader.post("/quotes", json=QUOTE).status_code == 200
    viewer = api.as_user(api.add_user(tenant, Role.viewer))
    assert viewer.get("/rate-cards").status_code == 200


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"weight_g": 0}, "body.weight_g"),
        ({"dest_country": "USA"}, "body.dest_country"),
        ({"ship_date": "tomorrow"}, "body.ship_date"),
        ({"colour": "red"}, "body.colour"),
    ],
)
def test_bad_quotes_are_422(owner, changes, field):
    error = assert_error(owner.post("/quotes", json={**QUOTE, **changes}), 422, "invalid_input")
    assert field in [d["field"] for d in error["details"]]


def test_quote_origin_is_a_warehouse_or_a_postcode(api, owner, tenant):
    _upload(owner, zip_of(example_files()))
    without = {k: v for k, v in QUOTE.items() if not k.startswith("origin")}
    assert_error(owner.post("/quotes", json=without), 422, "invalid_input")
    assert_error(owner.post("/quotes", json={**without, "warehouse": "NOPE"}), 422, "invalid_input")
    api.warehouse(tenant, "NJ1")
    r = owner.post("/quotes", json={**without, "warehouse": "nj1"})
    assert r.status_code == 200
    assert r.json()["ineligible"][0]["reasons"] == ["origin_not_served"]
