"""The pure core of rating: postcodes, zone charts, rate cards, the scalar and vectorised pricers.

Imports only the standard library, numpy and `linkstar.kit`; no database, HTTP or files except
the USPS chart loader, which reads the path its caller passes.
"""

from linkstar.rating.core.matching import (
    PatternError,
    PostcodeMatcher,
    PostcodePattern,
    PostcodeSet,
)
from linkstar.rating.core.measures import (
    DimRounding,
    billable_weight_array,
    billable_weight_g,
    dimensional_weight_g,
)
from linkstar.rating.core.model import (
    PercentOf,
    PriceBracket,
    PriceStep,
    RateCard,
    Service,
    Surcharge,
    SurchargeKind,
)
from linkstar.rating.core.money import bp_of, bp_of_array, percent_to_bp
from linkstar.rating.core.outcome import (
    INELIGIBLE,
    Ineligible,
    Quote,
    QuoteLine,
    Reason,
    reasons_from_bits,
)
from linkstar.rating.core.parcel import Parcel
from linkstar.rating.core.postcodes import (
    is_military_postcode,
    normalise_country,
    normalise_postcode,
    postcode_key,
)
from linkstar.rating.core.quote import quote, quote_all, quote_totals
from linkstar.rating.core.tables import (
    CardProblem,
    CompiledCard,
    CompiledService,
    RateCardError,
    compile_card,
)
from linkstar.rating.core.usps import load_usps_zone_chart, zip3_zone_matrix
from linkstar.rating.core.vectorised import ParcelBatch, PriceMatrix, price_batch
from linkstar.rating.core.zones import NO_ZONE, ZoneChart, ZoneChartError, ZoneEntry, ZoneRow

__all__ = [
    "INELIGIBLE",
    "NO_ZONE",
    "CardProblem",
    "CompiledCard",
    "CompiledService",
    "DimRounding",
    "Ineligible",
    "Parcel",
    "ParcelBatch",
    "PatternError",
    "PercentOf",
    "PostcodeMatcher",
    "PostcodePattern",
    "PostcodeSet",
    "PriceBracket",
    "PriceMatrix",
    "PriceStep",
    "Quote",
    "QuoteLine",
    "RateCard",
    "RateCardError",
    "Reason",
    "Service",
    "Surcharge",
    "SurchargeKind",
    "ZoneChart",
    "ZoneChartError",
    "ZoneEntry",
    "ZoneRow",
    "billable_weight_array",
    "billable_weight_g",
    "bp_of",
    "bp_of_array",
    "compile_card",
    "dimensional_weight_g",
    "is_military_postcode",
    "load_usps_zone_chart",
    "normalise_country",
    "normalise_postcode",
    "percent_to_bp",
    "postcode_key",
    "price_batch",
    "quote",
    "quote_all",
    "quote_totals",
    "reasons_from_bits",
    "zip3_zone_matrix",
]
