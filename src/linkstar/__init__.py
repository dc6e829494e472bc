"""LinkStar: operations platform for cross-border e-commerce sellers."""

import csv as _csv

__version__ = "0.1.0"

# The csv module's field limit is process-wide. Every importer gets the same one, set once when
# the package loads: a long field (an address block, a message body, a rate-card note) reaches
# the importer's own checks, which cut and report it. Set per importer, the refusal of a long
# field depended on which importer had been imported first.
CSV_FIELD_LIMIT = 16 * 1024 * 1024
_csv.field_size_limit(CSV_FIELD_LIMIT)
