"""The batch breakdown of a chosen service equals `quote`'s lines parcel by parcel."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkstar.rating.core import Quote, compile_card, quote
from linkstar.rating.core.vector_lines import batch_lines
from tests.rating.strategies import cards, parcels
from tests.rating.test_vectorised import batch_of


@settings(max_examples=150, suppress_health_check=list(HealthCheck))
@given(cards(), st.lists(parcels(), min_size=1, max_size=25))
def test_batch_lines_equal_quote_lines(card, items):
    compiled = compile_card(card)
    for service in compiled.services:
        quotes = [quote(p, service) for p in items]
        chosen = [(p, q) for p, q in zip(items, quotes, strict=True) if isinstance(q, Quote)]
        if not chosen:
            continue
        got = batch_lines(batch_of([p for p, _ in chosen]), service)
        for i, (_, q) in enumerate(chosen):
            lines = tuple((code, int(a[i])) for code, a, hit in got.lines if hit[i])
            assert lines == tuple((line.code, line.amount) for line in q.lines), i
            assert int(got.total[i]) == q.total
            assert int(got.billable_weight_g[i]) == q.billable_weight_g
            assert service.chart.zone_labels[int(got.zone[i])] == q.zone
