"""The OpenAPI document: valid, and every operation summarised, tagged and its errors documented."""

from __future__ import annotations

import re

from openapi_spec_validator import validate

from linkstar.workspace.core import Permission

ENVELOPE = {"$ref": "#/components/schemas/ErrorEnvelope"}
PUBLIC = {"/healthz", "/readyz"}


def _operations(spec):  # type: ignore[no-untyped-def]
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            yield method.upper(), path, op


def test_document_is_valid_openapi(client):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    spec = r.json()
    validate(spec)
    assert spec["info"]["title"] == "LinkStar API"
    assert spec["components"]["schemas"]["ErrorEnvelope"]["required"] == ["error"]


def test_every_operation_is_documented(client):
    spec = client.get("/api/v1/openapi.json").json()
    ops = list(_operations(spec))
    assert len(ops) >= 24
    ids = [op["operationId"] for _, _, op in ops]
    assert len(ids) == len(set(ids))
    for method, path, op in ops:
        where = f"{method} {path}"
        assert op.get("summary"), where
        assert op.get("tags"), where
        responses = op["responses"]
        success = [s for s in responses if s.startswith("2")]
        assert len(success) == 1, where
        if success != ["204"]:
            assert "application/json" in responses[success[0]]["content"], where
        if path in PUBLIC:
            continue
        assert path.startswith("/api/v1/"), where
        errors = {s for s in responses if s[0] in "45"}
        assert "401" in errors, where
        if method != "GET" or "{" in path or op.get("parameters"):
            assert errors - {"401"}, f"{where}: document its 4xx responses"
        for status in errors:
            schema = responses[status]["content"]["application/json"]["schema"]
            assert schema == ENVELOPE, (where, status)
            assert responses[status]["description"], (where, status)
        if "{" in path:
            assert "404" in errors, where
        if "requestBody" in op:
            assert {"413", "422"} <= errors, where
        if any(p["in"] == "query" for p in op.get("parameters", [])):
            assert "422" in errors, where


def test_permissions_are_declared(client):
    spec = client.get("/api/v1/openapi.json").json()
    known = {p.value for p in Permission}
    for method, path, op in _operations(spec):
        if path in PUBLIC:
            continue
        declared = op.get("x-permissions")
        assert declared is not None, f"{method} {path}"
        assert set(declared) <= known
        if path != "/api/v1/me":
            assert len(declared) == 1, f"{method} {path}: declare its permission with needs()"
            assert f"`{declared[0]}`" in op["description"]
            assert "403" in op["responses"], f"{method} {path}"


def test_path_parameters_are_named_ids(client):
    spec = client.get("/api/v1/openapi.json").json()
    for _, path, _ in _operations(spec):
        for name in re.findall(r"{(\w+)}", path):
            assert name.endswith("_id"), path
