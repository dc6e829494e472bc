"""Every response carries a request id and the security headers (plain ASGI middleware)."""

from __future__ import annotations

import re

from linkstar.api.app import SECURITY_HEADERS


def test_request_id_is_echoed_or_made_and_security_headers_are_set(client):
    given = client.get("/healthz", headers={"X-Request-ID": "trace-42"})
    assert given.headers["x-request-id"] == "trace-42"
    made = client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["x-request-id"])
    long = client.get("/healthz", headers={"X-Request-ID": "x" * 100})
    assert long.headers["x-request-id"] == "x" * 64
    for response in (given, made, client.get("/api/v1/no-such-route")):
        for name, value in SECURITY_HEADERS.items():
            assert response.headers[name] == value
        assert len(response.headers.get_list("x-request-id")) == 1
    assert client.get("/api/v1/no-such-route").status_code == 404
