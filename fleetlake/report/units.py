"""Units of the numbers the report shows: one place that says how COP, km, L/100 km and % print.

A chart's axis label and every value label and table cell use the same ``Unit``, so a number
reads the same everywhere in the report.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Unit:
    """How to print a quantity; ``symbol`` names it where a short form is needed."""

    symbol: str
    decimals: int = 0
    prefix: str = ""
    suffix: str = ""

    def format(self, value: float | None) -> str:
        """``value`` with thousands separators, prefix and suffix; ``—`` for a missing value."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "—"
        return f"{self.prefix}{float(value):,.{self.decimals}f}{self.suffix}"

    def tick(self, value: float, step: float) -> str:
        """A short axis tick: no unit text (the axis label carries it).

        The step decides the form, so one axis reads alike: 0, 5k, 10k or 0, 0.5, 1.0.
        """
        step = abs(step) or 1.0
        if value == 0:
            return "0"
        if step >= 1e6:
            return f"{value / 1e6:,g}M"
        if step >= 1e3:
            return f"{value / 1e3:,g}k"
        decimals = max(0, math.ceil(-math.log10(step))) if step < 1 else 0
        return f"{value:,.{decimals}f}"


COUNT = Unit("count")
COP = Unit("COP", prefix="COP ")
COP_PER_KM = Unit("COP/km", decimals=1, suffix=" COP/km")
KM = Unit("km", suffix=" km")
KM_TENTHS = Unit("km", decimals=1, suffix=" km")  # short distances: an alert's km off route
KG = Unit("kg", suffix=" kg")
L_PER_100KM = Unit("L/100 km", decimals=1, suffix=" L/100 km")
PERCENT = Unit("%", decimals=1, suffix=" %")  # values already in percent (0-100)
LITRES = Unit("L", suffix=" L")
KM_PER_L = Unit("km/L", decimals=2, suffix=" km/L")
MS = Unit("ms", decimals=1, suffix=" ms")
RATIO = Unit("ratio", decimals=2)
