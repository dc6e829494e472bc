"""Rating: carrier rate cards, zones, eligibility and prices (issue 3).

`linkstar.rating.core` is the pure part (dataclasses, numpy, no I/O); import, persistence,
API and console come later on top of it. See docs/formats/rate-cards.md.
"""
