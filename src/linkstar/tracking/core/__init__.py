"""The pure core of tracking: carrier detection, the status vocabulary, mapping, derivation.

Imports only the standard library (and the package's own data files); the database, the API
and the HTTP connectors build on it and never the other way round.
"""

from linkstar.tracking.core.candidates import Candidate, CheckDigit, TrackingFormat
from linkstar.tracking.core.derive import CurrentStatus, current_status, deduplicate, timeline
from linkstar.tracking.core.detect import FORMATS, best_carrier, detect_carriers
from linkstar.tracking.core.events import TrackingEvent, event_from_raw
from linkstar.tracking.core.mapping import (
    UNMAPPED,
    MappingTable,
    MappingTableError,
    Normalised,
    mapping_tables,
    normalise,
    parse_table,
    table_for,
)
from linkstar.tracking.core.numbers import normalise_tracking_number
from linkstar.tracking.core.vocabulary import TERMINAL_STATUSES, Status, SubStatus, is_terminal

__all__ = [
    "FORMATS",
    "TERMINAL_STATUSES",
    "UNMAPPED",
    "Candidate",
    "CheckDigit",
    "CurrentStatus",
    "MappingTable",
    "MappingTableError",
    "Normalised",
    "Status",
    "SubStatus",
    "TrackingEvent",
    "TrackingFormat",
    "best_carrier",
    "current_status",
    "deduplicate",
    "detect_carriers",
    "event_from_raw",
    "is_terminal",
    "mapping_tables",
    "normalise",
    "normalise_tracking_number",
    "parse_table",
    "table_for",
    "timeline",
]
