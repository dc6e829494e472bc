"""Price tables: weight brackets of one service in one zone, then per-step rows beyond them."""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from linkstar.rating.core.model import PriceBracket, PriceStep


@dataclass(frozen=True, slots=True)
class PriceTable:
    """Prices of one service in one zone: brackets, then per-step rows beyond the last bracket."""

    maxes: tuple[int, ...]
    prices: tuple[int, ...]
    step_from: tuple[int, ...] = ()
    step_size: tuple[int, ...] = ()
    step_price: tuple[int, ...] = ()
    step_base: tuple[int, ...] = ()  # price at each row's from_weight_g

    def price(self, weight_g: int) -> int | None:
        """Price for a billable weight, or None when the table has none."""
        if self.maxes and weight_g <= self.maxes[-1]:
            return self.prices[bisect.bisect_left(self.maxes, weight_g)]
        # The step row with the largest from_weight_g below the weight.
        i = bisect.bisect_left(self.step_from, weight_g) - 1
        if i < 0:
            return None
        steps = -(-(weight_g - self.step_from[i]) // self.step_size[i])
        return self.step_base[i] + steps * self.step_price[i]

    def boundaries(self) -> list[int]:
        """Every weight where the price rule changes (bracket ends and step starts)."""
        return sorted({*self.maxes, *self.step_from})


def build_price_table(
    brackets: list[PriceBracket], steps: list[PriceStep]
) -> tuple[PriceTable, str | None]:
    """The table of one service and zone, and why it is unusable (None when it is fine)."""
    brackets = sorted(brackets, key=lambda b: b.max_weight_g)
    steps = sorted(steps, key=lambda s: s.from_weight_g)
    maxes = tuple(b.max_weight_g for b in brackets)
    prices = tuple(b.price for b in brackets)
    froms = tuple(s.from_weight_g for s in steps)
    sizes = tuple(s.step_g for s in steps)
    per_step = tuple(s.price_per_step for s in steps)
    bases: list[int] = []
    for i, step in enumerate(steps):
        # A step row builds on the price at its from_weight_g (0 at 0 g), itself given by the
        # brackets or by an earlier step row.
        earlier = PriceTable(maxes, prices, froms[:i], sizes[:i], per_step[:i], tuple(bases))
        base = earlier.price(step.from_weight_g) if step.from_weight_g > 0 else 0
        if base is None:
            table = PriceTable(maxes, prices)
            return table, f"no price at from_weight_g {step.from_weight_g} to build on"
        bases.append(base)
    table = PriceTable(maxes, prices, froms, sizes, per_step, tuple(bases))
    # Each rule is non-decreasing on its own interval, so checking where rules meet proves the
    # whole price function is: more weight is never cheaper within a service and zone.
    previous = None
    for weight in table.boundaries():
        for probe in (weight, weight + 1):
            price = table.price(probe)
            if previous is not None and price is not None and price < previous[1]:
                return (
                    table,
                    f"price falls from {previous[1]} at {previous[0]} g to {price} at {probe} g",
                )
            if price is not None:
                previous = (probe, price)
    return table, None
