"""Units of the numbers the report shows: one place that says how COP, km, L/100 km and % print.

A chart's axis label and every value label and table cell use the same ``Unit``, so a number
reads the same everywhere in the report.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Unit:
    """How to print a quantity: ``symbol`` names it on axes; ``scale`` turns fractions into %."""

    symbol: str
    decimals: int = 0
    prefix: str = ""
    suffix: str = ""
    scale: float = 1.0

    def format(self, value: float | int | None, decimals: int | None = None) -> str:
        """``value`` with thousands separators, prefix and suffix; ``—`` for a missing value."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "—"
        places = self.decimals if decimals is None else decimals
        return f"{self.prefix}{float(value) * self.scale:,.{places}f}{self.suffix}"

    def tick(self, value: float, step: float) -> str:
        """A short axis tick: no unit text (the axis label carries it), k/M for big numbers.

        Decimals follow the tick step, so ticks read 0, 20, 40 rather than 0.0, 20.0, 40.0.
        """
        scaled, scaled_step = value * self.scale, abs(step * self.scale) or 1.0
        magnitude = abs(scaled)
        if magnitude >= 1e6:
            return f"{scaled / 1e6:,.1f}M".replace(".0M", "M")
        if magnitude >= 1e4:
            return f"{scaled / 1e3:,.0f}k"
        decimals = max(0, math.ceil(-math.log10(scaled_step))) if scaled_step < 1 else 0
        return f"{scaled:,.{decimals}f}"


COUNT = Unit("count")
COP = Unit("COP", prefix="COP ")
COP_PER_KM = Unit("COP/km", decimals=1, suffix=" COP/km")
KM = Unit("km", suffix=" km")
KG = Unit("kg", suffix=" kg")
L_PER_100KM = Unit("L/100 km", decimals=1, suffix=" L/100 km")
PERCENT = Unit("%", decimals=1, suffix=" %")  # values already in percent
FRACTION = Unit("%", decimals=1, suffix=" %", scale=100.0)  # values in 0..1 shown as percent
LITRES = Unit("L", suffix=" L")
KM_PER_L = Unit("km/L", decimals=2, suffix=" km/L")
MS = Unit("ms", decimals=1, suffix=" ms")
RATIO = Unit("ratio", decimals=2)
