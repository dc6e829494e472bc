"""Collecting tracking events: webhook parsers, carrier pull connectors, files, the poller.

Every source ends in `linkstar.tracking.core.updates.TrackingUpdate` values that the tracking
store ingests, except event files, which end in columns (`core.columns.TrackingColumns`, what
`tracking.ingest.ingest_columns` takes; `FileImport.updates` gives them as updates). Parsers
are pure functions over bytes or decoded JSON and raise one `TrackingPayloadError(reason,
path)` for anything they cannot read; the HTTP clients take an injectable `httpx` transport.
Formats: docs/formats/tracking.md.
"""

from linkstar.tracking.connectors.aftership import parse_aftership
from linkstar.tracking.connectors.dhl import DHLTracking, parse_dhl
from linkstar.tracking.connectors.dispatch import DispatchOutcome, run_plan
from linkstar.tracking.connectors.errors import (
    CarrierAPIError,
    RateLimited,
    SignatureError,
    TrackingPayloadError,
)
from linkstar.tracking.connectors.fedex import FedExTracking, parse_fedex
from linkstar.tracking.connectors.files import (
    FileImport,
    RowIssue,
    parse_csv,
    parse_events_file,
    parse_jsonl,
)
from linkstar.tracking.connectors.generic import parse_generic
from linkstar.tracking.connectors.polling import (
    CarrierLimit,
    PollBatch,
    PollPlan,
    PollPolicy,
    PollTarget,
    plan_polls,
)
from linkstar.tracking.connectors.results import PullConnector, PullFailure, PullResult
from linkstar.tracking.connectors.seventeen_track import parse_17track
from linkstar.tracking.connectors.signatures import (
    idempotency_key,
    verify_17track,
    verify_aftership,
    verify_generic,
)
from linkstar.tracking.connectors.ups import UPSTracking, parse_ups
from linkstar.tracking.connectors.usps import USPSTracking, parse_usps
from linkstar.tracking.connectors.webhooks import WebhookReceipt, receive, rejection

__all__ = [
    "CarrierAPIError",
    "CarrierLimit",
    "DHLTracking",
    "DispatchOutcome",
    "FedExTracking",
    "FileImport",
    "PollBatch",
    "PollPlan",
    "PollPolicy",
    "PollTarget",
    "PullConnector",
    "PullFailure",
    "PullResult",
    "RateLimited",
    "RowIssue",
    "SignatureError",
    "TrackingPayloadError",
    "UPSTracking",
    "USPSTracking",
    "WebhookReceipt",
    "idempotency_key",
    "parse_17track",
    "parse_aftership",
    "parse_csv",
    "parse_dhl",
    "parse_events_file",
    "parse_fedex",
    "parse_generic",
    "parse_jsonl",
    "parse_ups",
    "parse_usps",
    "plan_polls",
    "receive",
    "rejection",
    "run_plan",
    "verify_17track",
    "verify_aftership",
    "verify_generic",
]
