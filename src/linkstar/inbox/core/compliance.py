"""Compliance lint for outgoing messages, before anything is sent.

Channel rules are data (src/linkstar/inbox/data/channel_rules.json, format in docs/inbox.md):
which links are allowed, whether marketing language, contact details, HTML or review
solicitation are forbidden, which message types a marketplace permits, whether a buyer's opt-out
is honoured and for which critical types it is not, attachment types and sizes. Forbidden
claims ("best seller", "#1 rated", ...) apply to every channel. E-mail outreach must carry RFC
8058 one-click unsubscribe headers. Every finding names its rule, severity and offending span.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from linkstar.inbox.core.entities import extract_entities
from linkstar.kit.errors import InvalidInput

CHANNELS: tuple[str, ...] = ("amazon", "ebay", "tiktok", "shopify", "email")
MAX_BODY = 1_000_000  # longer bodies are refused outright

_URL = re.compile(
    r"(?i)\b(?:(?:https?|ftp)://[^\s<>\"']+|www\.[^\s<>\"']+|"
    r"[a-z0-9-]{2,63}(?:\.[a-z0-9-]{2,63})*\.(?:com|net|org|io|co|shop|store|de|fr|es|it|uk|"
    r"br|cn|info|biz|me|ly|link)(?:/[^\s<>\"']*)?)(?<![.,;:!?)])"
)
_EMAIL = re.compile(r"(?i)[a-z0-9._%+-]{1,64}@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,24}")
_TAG = re.compile(r"(?i)<\s*/?\s*[a-z][a-z0-9-]*(?:\s[^<>]*)?>")
_SCRIPT = re.compile(r"(?i)<\s*script\b|javascript:|\bon[a-z]+\s*=\s*[\"']")
_ONE_CLICK = "List-Unsubscribe=One-Click"


class Severity(StrEnum):
    error = "error"  # must be fixed before sending
    warning = "warning"  # a person should look


@dataclass(frozen=True, slots=True)
class Finding:
    rule_id: str
    severity: Severity
    message: str
    start: int = -1  # span in the body; -1 when the finding is about the message as a whole
    end: int = -1
    excerpt: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "severity": self.severity.value,
            "message": self.message,
            "start": self.start,
            "end": self.end,
            "excerpt": self.excerpt,
        }


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    size: int


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message about to be sent."""

    channel: str
    body: str
    subject: str = ""
    message_type: str = ""
    attachments: tuple[Attachment, ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    outreach: bool = False  # seller-initiated bulk/marketing e-mail (RFC 8058 applies)
    buyer_opted_out: bool = False


@dataclass(frozen=True, slots=True)
class LintResult:
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        """True when nothing blocks sending (warnings may remain)."""
        return not any(f.severity is Severity.error for f in self.findings)

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(f.rule_id for f in self.findings)


@dataclass(frozen=True, slots=True)
class Claim:
    id: str
    pattern: re.Pattern[str]
    message: str


@dataclass(frozen=True, slots=True)
class ChannelRule:
    name: str
    link_policy: str  # allow | allow_domains | forbid
    link_domains: tuple[str, ...]
    marketing: str  # allow | warn | forbid
    forbid_contact_details: bool
    html: bool
    review_manipulation: str  # allow | warn | forbid
    permitted_message_types: tuple[str, ...]
    honour_opt_out: bool
    opt_out_exempt_types: tuple[str, ...]
    attachment_extensions: tuple[str, ...]
    attachment_max_bytes: int
    max_chars: int
    one_click_unsubscribe: bool


@dataclass(frozen=True, slots=True)
class RuleBook:
    claims: tuple[Claim, ...]
    marketing: re.Pattern[str]
    review_manipulation: re.Pattern[str]
    channels: Mapping[str, ChannelRule]


def parse_rules(text: str) -> RuleBook:
    """Channel rules from JSON; InvalidInput naming the first problem."""
    try:
        data = json.loads(text)
        claims = tuple(
            Claim(str(c["id"]), re.compile(c["pattern"], re.IGNORECASE), str(c["message"]))
            for c in data["forbidden_claims"]
        )
        marketing = _alternation(data["marketing_phrases"], escape=True)
        review = _alternation(data["review_manipulation"], escape=False)
        channels = {str(name): _channel(name, spec) for name, spec in data["channels"].items()}
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"channel rules: not JSON: {exc.msg} at line {exc.lineno}") from None
    except re.error as exc:
        raise InvalidInput(f"channel rules: bad pattern {exc.pattern!r}: {exc}") from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InvalidInput(f"channel rules: missing or invalid field {exc}") from None
    return RuleBook(claims, marketing, review, channels)


def _alternation(items: Sequence[str], *, escape: bool) -> re.Pattern[str]:
    parts = [re.escape(p) if escape else p for p in items]
    return re.compile("|".join(f"(?:{p})" for p in parts), re.IGNORECASE)


def _channel(name: str, spec: Mapping[str, Any]) -> ChannelRule:
    choices = {
        "links.policy": (spec["links"]["policy"], {"allow", "allow_domains", "forbid"}),
        "marketing": (spec["marketing"], {"allow", "warn", "forbid"}),
        "review_manipulation": (spec["review_manipulation"], {"allow", "warn", "forbid"}),
    }
    for key, (value, allowed) in choices.items():
        if value not in allowed:
            raise ValueError(f"{name}.{key}: {value!r} is not one of {sorted(allowed)}")
    return ChannelRule(
        name=str(spec["name"]),
        link_policy=spec["links"]["policy"],
        link_domains=tuple(str(d).lower() for d in spec["links"]["domains"]),
        marketing=spec["marketing"],
        forbid_contact_details=bool(spec["forbid_contact_details"]),
        html=bool(spec["html"]),
        review_manipulation=spec["review_manipulation"],
        permitted_message_types=tuple(spec["permitted_message_types"]),
        honour_opt_out=bool(spec["honour_opt_out"]),
        opt_out_exempt_types=tuple(spec["opt_out_exempt_types"]),
        attachment_extensions=tuple(e.lower() for e in spec["attachments"]["extensions"]),
        attachment_max_bytes=int(spec["attachments"]["max_bytes"]),
        max_chars=int(spec["max_chars"]),
        one_click_unsubscribe=bool(spec.get("outreach_requires_one_click_unsubscribe", False)),
    )


@lru_cache(maxsize=1)
def default_rules() -> RuleBook:
    """The rules shipped in src/linkstar/inbox/data/channel_rules.json."""
    path = resources.files("linkstar.inbox").joinpath("data/channel_rules.json")
    return parse_rules(path.read_text("utf-8"))


def lint(message: Outgoing, rules: RuleBook | None = None) -> LintResult:
    """Every compliance finding for `message`; InvalidInput for an unknown channel."""
    book = rules or default_rules()
    channel = message.channel.strip().lower()
    rule = book.channels.get(channel)
    if rule is None:
        raise InvalidInput(
            f"unknown channel {message.channel!r}; known channels: {', '.join(book.channels)}"
        )
    if len(message.body) > MAX_BODY:
        raise InvalidInput(
            f"the message body has {len(message.body):,} characters; at most {MAX_BODY:,}"
        )
    body = message.body
    text = f"{message.subject}\n{body}" if message.subject else body
    shift = len(message.subject) + 1 if message.subject else 0
    findings: list[Finding] = []

    def spans(pattern: re.Pattern[str], rule_id: str, severity: Severity, why: str) -> None:
        for m in pattern.finditer(text):
            findings.append(
                Finding(rule_id, severity, why, m.start() - shift, m.end() - shift, m.group()[:80])
            )

    for claim in book.claims:
        spans(claim.pattern, claim.id, Severity.error, f"forbidden claim: {claim.message}")
    _links(text, shift, rule, channel, findings)
    if rule.marketing != "allow":
        severity = Severity.error if rule.marketing == "forbid" else Severity.warning
        spans(
            book.marketing,
            "marketing.language",
            severity,
            f"marketing or promotional language is not allowed on {rule.name}",
        )
    if rule.review_manipulation != "allow":
        severity = Severity.error if rule.review_manipulation == "forbid" else Severity.warning
        spans(
            book.review_manipulation,
            "review.manipulation",
            severity,
            "asking for a positive review or offering something for one",
        )
    if rule.forbid_contact_details:
        for entity in extract_entities(text):
            if entity.type in ("email", "phone"):
                findings.append(
                    Finding(
                        f"contact.{entity.type}",
                        Severity.error if entity.type == "email" else Severity.warning,
                        f"e-mail addresses are not allowed in {rule.name}"
                        if entity.type == "email"
                        else f"a phone number in {rule.name} (allowed only when needed for "
                        "delivery)",
                        entity.start - shift,
                        entity.end - shift,
                        text[entity.start : entity.end][:80],
                    )
                )
    spans(_SCRIPT, "html.script", Severity.error, "script or event-handler markup")
    if not rule.html:
        spans(_TAG, "html.markup", Severity.error, f"{rule.name} accepts plain text only")
    if len(body) > rule.max_chars:
        findings.append(
            Finding(
                "length.max",
                Severity.error,
                f"{len(body):,} characters; {rule.name} allows {rule.max_chars:,}",
            )
        )
    _message_type(message, rule, findings)
    _attachments(message, rule, findings)
    if rule.one_click_unsubscribe and message.outreach:
        findings.extend(unsubscribe_findings(message.headers))
    findings.sort(key=lambda f: (f.start, f.rule_id))
    return LintResult(tuple(findings))


def _links(text: str, shift: int, rule: ChannelRule, channel: str, out: list[Finding]) -> None:
    for m in _URL.finditer(text):
        url = m.group()
        if _EMAIL.fullmatch(url) or "@" in text[max(0, m.start() - 1) : m.start()]:
            continue
        start, end = m.start() - shift, m.end() - shift
        parsed = urlsplit(url if "://" in url else f"https://{url}")
        host = (parsed.hostname or "").lower()
        if url.lower().startswith("http://"):
            out.append(
                Finding(
                    "link.insecure", Severity.warning, "link without https", start, end, url[:80]
                )
            )
        if rule.link_policy == "allow":
            continue
        allowed = rule.link_policy == "allow_domains" and any(
            host == d or host.endswith("." + d) for d in rule.link_domains
        )
        if not allowed:
            out.append(
                Finding(
                    "link.external",
                    Severity.error,
                    f"external links are not allowed on {rule.name}",
                    start,
                    end,
                    url[:80],
                )
            )


def _message_type(message: Outgoing, rule: ChannelRule, out: list[Finding]) -> None:
    kind = message.message_type.strip()
    if rule.permitted_message_types:
        if not kind:
            out.append(
                Finding(
                    "type.missing",
                    Severity.warning,
                    f"{rule.name} permits only some message types; state which one this is "
                    f"({', '.join(rule.permitted_message_types)})",
                )
            )
        elif kind not in rule.permitted_message_types:
            out.append(
                Finding(
                    "type.not_permitted",
                    Severity.error,
                    f"{kind!r} is not a message type {rule.name} permits",
                )
            )
    if message.buyer_opted_out and rule.honour_opt_out and kind not in rule.opt_out_exempt_types:
        out.append(
            Finding(
                "optout.honour",
                Severity.error,
                "the buyer opted out of messages; only critical messages "
                f"({', '.join(rule.opt_out_exempt_types)}) may be sent",
            )
        )


def _attachments(message: Outgoing, rule: ChannelRule, out: list[Finding]) -> None:
    for item in message.attachments:
        name = item.filename.rsplit("/", 1)[-1]
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if ext not in rule.attachment_extensions:
            out.append(
                Finding(
                    "attachment.type",
                    Severity.error,
                    f"{name!r}: {rule.name} accepts {', '.join(rule.attachment_extensions)}",
                    excerpt=name[:80],
                )
            )
        if item.size > rule.attachment_max_bytes:
            out.append(
                Finding(
                    "attachment.size",
                    Severity.error,
                    f"{name!r} has {item.size:,} bytes; at most {rule.attachment_max_bytes:,}",
                    excerpt=name[:80],
                )
            )


def unsubscribe_findings(headers: Mapping[str, str]) -> list[Finding]:
    """RFC 8058 one-click unsubscribe: an https List-Unsubscribe URI and the POST marker."""
    lowered = {k.strip().lower(): v for k, v in headers.items()}
    out: list[Finding] = []
    value = lowered.get("list-unsubscribe", "")
    uris = re.findall(r"<([^<>]*)>", value)
    https = [u for u in uris if u.lower().startswith("https://")]
    if not value:
        out.append(
            Finding(
                "email.list_unsubscribe",
                Severity.error,
                "outreach e-mail needs a List-Unsubscribe header (RFC 2369/8058)",
            )
        )
    elif not https:
        out.append(
            Finding(
                "email.list_unsubscribe_https",
                Severity.error,
                "List-Unsubscribe needs an https URI in angle brackets for one-click "
                "unsubscribe (RFC 8058 section 3.1)",
                excerpt=value[:80],
            )
        )
    post = lowered.get("list-unsubscribe-post", "").strip()
    if post != _ONE_CLICK:
        out.append(
            Finding(
                "email.list_unsubscribe_post",
                Severity.error,
                f"outreach e-mail needs 'List-Unsubscribe-Post: {_ONE_CLICK}' (RFC 8058)",
                excerpt=post[:80],
            )
        )
    return out
