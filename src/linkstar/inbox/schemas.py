"""Request and response models of the buyer inbox.

The canonical message JSON is documented in docs/formats/inbox-messages.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from linkstar.inbox.core.automation.policy import InboxSettings
from linkstar.inbox.core.inbound import Channel

Language = Literal["en", "es", "de", "fr", "pt", "zh"]
Status = Literal["open", "pending", "snoozed", "closed"]
PriorityName = Literal["low", "normal", "high", "urgent"]
MAX_TEXT = 50_000


class AttachmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filename: str = Field(min_length=1, max_length=255)
    content_type: str = Field("application/octet-stream", max_length=120)
    size: int = Field(ge=0, le=2**40)


class MessageIn(BaseModel):
    """One inbound buyer message in LinkStar's canonical JSON (the same fields as the
    connectors' `InboundMessage`; the JSON object itself is kept as the raw payload)."""

    model_config = ConfigDict(extra="forbid")

    channel: Channel
    external_id: str = Field(min_length=1, max_length=300)
    received_at: AwareDatetime
    sender_address: str = Field(min_length=1, max_length=320)
    sender_name: str = Field("", max_length=200)
    subject: str = Field("", max_length=500)
    text: str = Field("", max_length=MAX_TEXT)
    display_body: str | None = Field(None, max_length=MAX_TEXT)
    html: bool = False
    external_thread_id: str = Field("", max_length=300)
    in_reply_to: list[str] = Field(default_factory=list, max_length=50)
    order_refs: list[str] = Field(default_factory=list, max_length=20)
    store_ref: str = Field("", max_length=120)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=50)


class MessageBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    messages: list[MessageIn] = Field(min_length=1, max_length=500)


class IngestRead(BaseModel):
    created: int
    duplicates: int
    threads_created: int
    message_ids: list[str]
    thread_ids: list[str]
    links_created: int
    warnings: list[dict[str, str]]


class ThreadRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    channel: str
    store_ref: str
    buyer_address: str
    buyer_name: str
    subject: str
    snippet: str
    intent: str
    confidence: float
    language: str
    sentiment: str
    urgency: str
    priority: str
    status: str
    sla_state: str
    snoozed_until: datetime | None
    assignee_user_id: str | None
    tags: list[str]
    order_refs: list[str]
    sla_due_at: datetime | None
    first_response_at: datetime | None
    last_inbound_at: datetime | None
    last_outbound_at: datetime | None
    last_activity_at: datetime
    message_count: int
    created_at: datetime


class MessageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    direction: str
    channel: str
    external_id: str
    received_at: datetime
    sender_address: str
    sender_name: str
    subject: str
    text: str
    display_body: str
    html: bool
    raw_content_type: str
    understanding: dict[str, Any] | None
    attachments: list[dict[str, Any]]
    warnings: list[str]
    outbound_status: str | None
    failure_reason: str | None
    template_id: str | None
    lint_findings: list[dict[str, Any]]


class LinkRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    target_id: str
    evidence: str
    matched_value: str


class ThreadDetail(BaseModel):
    thread: ThreadRead
    messages: list[MessageRead]
    links: list[LinkRead]


class ThreadUpdate(BaseModel):
    """Thread actions; only the fields sent change, each change is audited."""

    model_config = ConfigDict(extra="forbid")

    status: Status | None = None
    priority: PriorityName | None = None
    assignee_user_id: str | None = Field(None, max_length=32)
    unassign: bool = False
    tags: list[str] | None = Field(None, max_length=20)
    snoozed_until: AwareDatetime | None = None


class ReplyCreate(BaseModel):
    """A reply: a template (rendered with the thread's buyer, order and shipment) or free text."""

    model_config = ConfigDict(extra="forbid")

    template_id: str | None = Field(None, min_length=1, max_length=32)
    body: str | None = Field(None, min_length=1, max_length=20_000)
    subject: str | None = Field(None, max_length=500)
    language: Language | None = None
    message_type: str = Field("customer_service_reply", min_length=1, max_length=60)


class ReplyRead(BaseModel):
    message: MessageRead
    findings: list[dict[str, Any]]
    job_id: str | None = Field(
        description="The `inbox.send` job; null when the reply waits for approval."
    )
    approval_reasons: list[dict[str, str]] = Field(
        default_factory=list,
        description="Why the reply waits in the approval queue (`code`, `detail`); empty when "
        "it was queued for sending.",
    )


class ApprovalDecision(BaseModel):
    """Approve (optionally with an edited subject or body, linted again) or reject a reply."""

    model_config = ConfigDict(extra="forbid")

    comment: str = Field("", max_length=2000)
    body: str | None = Field(None, min_length=1, max_length=20_000)
    subject: str | None = Field(None, max_length=500)


class MessagePollUpdate(BaseModel):
    """Turn a store's buyer-message polling on or off."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool
    interval_minutes: int = Field(5, ge=1, le=1440)


class MessagePollRead(BaseModel):
    store_id: str
    store_name: str
    channel: str
    supported: bool = Field(description="eBay and TikTok Shop stores have messages to poll.")
    enabled: bool
    interval_minutes: int
    last_status: str
    last_error: str
    last_poll_at: datetime | None
    next_run_at: datetime | None
    cursor: datetime | None
    last_fetched: int
    last_created: int
    failures: int


class InboxSettingsRead(BaseModel):
    version: int = Field(description="Goes up by one per save; 0 while the defaults apply.")
    settings: InboxSettings


class ApprovalRead(BaseModel):
    """One held reply: why it waits, what it says now, the thread it answers, the decision."""

    reply_id: str
    thread_id: str
    state: str
    reasons: list[dict[str, str]]
    requested_at: datetime
    requested_by: str
    channel: str
    buyer_address: str
    thread_subject: str
    subject: str
    body: str
    outbound_status: str | None
    lint_findings: list[dict[str, Any]]
    original_subject: str
    original_text: str
    edited: bool
    decided_at: datetime | None
    decided_by: str
    comment: str
    job_id: str | None = None


class Variant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: str = Field("", max_length=1000)
    body: str = Field(min_length=1, max_length=20_000)


class TemplateCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    intent: str | None = Field(None, max_length=40)
    mode: Literal["text", "html"] = "text"
    variants: dict[Language, Variant] = Field(min_length=1)
    active: bool = True


class TemplateUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=120)
    intent: str | None = Field(None, max_length=40)
    mode: Literal["text", "html"] | None = None
    variants: dict[Language, Variant] | None = Field(None, min_length=1)
    active: bool | None = None


class TemplateRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    intent: str | None
    mode: str
    variants: dict[str, dict[str, str]]
    version: int
    active: bool
    created_at: datetime
    updated_at: datetime


class PreviewRequest(BaseModel):
    """Render a template (stored, or given inline) for a language, optionally for a thread."""

    model_config = ConfigDict(extra="forbid")

    template_id: str | None = Field(None, min_length=1, max_length=32)
    mode: Literal["text", "html"] = "text"
    subject: str = Field("", max_length=1000)
    body: str | None = Field(None, max_length=20_000)
    language: Language = "en"
    thread_id: str | None = Field(None, min_length=1, max_length=32)


class PreviewRead(BaseModel):
    subject: str
    body: str
    language: str
    findings: list[dict[str, Any]]


class InboxDeadLetterRead(BaseModel):
    """A refused inbox payload (contact form, marketplace buyer message), kept whole."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    source: str
    reason: str
    body: str
    received_at: datetime
    state: Literal["new", "retried", "discarded"]


class InboxDeadLetterRetryRead(BaseModel):
    dead_letter: InboxDeadLetterRead
    succeeded: bool
    messages: int  # messages stored by the retry
    error: str | None
