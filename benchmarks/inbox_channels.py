"""Inbox channel parsing: messages per second for each recorded e-mail and marketplace payload.

Times `mime.parse_email` on the recorded .eml fixtures (tests/inbox/channels/fixtures: Gmail
quoted-printable alternative, Outlook windows-1252 with a photo, Apple Mail with a 40 kB PDF,
QQ mail GB18030, the Amazon relay) and the marketplace parsers on their recorded payloads, and
reports process CPU per message as well as wall time (the CPU figure does not depend on load).
Usage: python benchmarks/inbox_channels.py [--seconds S]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import report

from linkstar.inbox.channels import contact_form, ebay
from linkstar.inbox.channels.mime import parse_email

FIXTURES = Path(__file__).parents[1] / "tests" / "inbox" / "channels" / "fixtures"
PAYLOADS = Path(__file__).parents[1] / "tests" / "inbox" / "channels" / "payloads"


def _cases() -> list[tuple[str, Callable[[], Any], int]]:
    cases: list[tuple[str, Callable[[], Any], int]] = []
    for name in [
        "gmail_reply",
        "outlook_windows1252",
        "apple_mail_fr",
        "qq_gb18030",
        "amazon_relay",
    ]:
        raw = (FIXTURES / f"{name}.eml").read_bytes()
        cases.append(
            (f"e-mail {name} ({len(raw) // 1024 or 1} kB)", lambda raw=raw: parse_email(raw), 1)
        )
    xml = (PAYLOADS / "ebay_get_member_messages.xml").read_bytes()
    cases.append(("eBay GetMemberMessages page (2 + 1 bad)", lambda: ebay.parse_response(xml), 2))
    form = (PAYLOADS / "contact_form.json").read_bytes()
    cases.append(("contact form", lambda: contact_form.parse(form), 1))
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=1.0)
    args = parser.parse_args()
    rows = []
    for name, call, messages in _cases():
        count = 0
        began, cpu = time.perf_counter(), time.process_time()
        while time.perf_counter() - began < args.seconds:
            for _ in range(20):
                call()
            count += 20
        elapsed, used = time.perf_counter() - began, time.process_time() - cpu
        rows.append(
            {
                "payload": name,
                "messages_per_s": int(count * messages / elapsed),
                "us_per_payload": round(elapsed / count * 1e6, 1),
                "cpu_us_per_payload": round(used / count * 1e6, 1),
            }
        )
    report("inbox_channels", rows)


if __name__ == "__main__":
    main()
