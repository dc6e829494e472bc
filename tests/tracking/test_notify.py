"""Seller alerts through Apprise to a local HTTP server (json://), never the internet."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from linkstar.db.uow import unit_of_work
from linkstar.kit.crypto import SecretBox
from linkstar.kit.errors import InvalidInput
from linkstar.tracking.models import NotificationTarget, TrackingException
from linkstar.tracking.notify import check_url, compose, notify_new_exceptions
from tests.tracking.store import seed


@pytest.fixture
def hook():
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers["Content-Length"])
            received.append({"path": self.path, "body": json.loads(self.rfile.read(length))})
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"json://127.0.0.1:{server.server_address[1]}/alerts", received
    server.shutdown()
    server.server_close()


def test_new_exceptions_are_sent_once_to_each_matching_target(sessions, tenant, hook):
    url, received = hook
    box = SecretBox([Fernet.generate_key()])
    ids = seed(sessions, tenant, "N", box=box)
    with unit_of_work(sessions) as s:
        s.add(
            NotificationTarget(
                organisation_id=tenant.org.id,
                name="ops",
                kinds=[],
                sealed_url=box.seal({"url": url}),
            )
        )
        s.add(
            NotificationTarget(
                organisation_id=tenant.org.id,
                name="customs desk",
                kinds=["customs_hold"],
                sealed_url=box.seal({"url": url}),
            )
        )
    with unit_of_work(sessions) as s:
        report = notify_new_exceptions(s, tenant.org.id, box)
    # The seeded target (json://localhost:9) refuses the connection; ours accepts; the customs
    # desk has nothing of its kind to receive.
    assert (report.exceptions, report.targets, report.delivered) == (1, 3, 1)
    assert len(received) == 1 and received[0]["path"] == "/alerts"
    body = received[0]["body"]
    assert body["title"] == "LinkStar: 1 new tracking exception(s)"
    assert "- failed attempt: usps NSEED0001 (failed_attempt)" in body["message"]
    with unit_of_work(sessions) as s:
        again = notify_new_exceptions(s, tenant.org.id, box)
        stamped = s.scalars(
            select(TrackingException.notified_at).where(TrackingException.id == ids["exception_id"])
        ).one()
    assert again.exceptions == 0 and len(received) == 1  # never sent twice
    assert stamped is not None


def test_compose_counts_kinds_and_truncates_long_lists():
    rows = [("stalled", "ups", f"1Z{i:04d}", "in_transit") for i in range(25)]
    rows.append(("lost", "usps", "9400", "in_transit"))
    title, body = compose(rows)
    assert title == "LinkStar: 26 new tracking exception(s)"
    assert body.splitlines()[0] == "1 lost, 25 stalled"
    assert body.endswith("... and 6 more in the exceptions queue")


def test_urls_apprise_does_not_understand_are_refused():
    check_url("json://127.0.0.1:8080/hook")
    check_url("mailto://user:pass@example.com")
    with pytest.raises(InvalidInput, match="not a notification URL"):
        check_url("https//missing-colon.example")
