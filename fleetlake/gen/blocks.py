"""Building a block of consecutive days at once, with the exact rows of generating each day alone.

Every day's random numbers still come from its own streams, a fixed number per row
(``streams.day_uniforms``), and every entity's state is a function of the day; so the numpy work
runs once per block on (day x entity) arrays, and the Arrow columns are built once and then sliced
into days. Per-day calls on a few hundred rows cost more than the rows themselves, so this is where
the generator's time goes down.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields, replace
from typing import TypeVar

import numpy as np
import pyarrow as pa

Drawn = TypeVar("Drawn")


def concat_days(parts: Sequence[Drawn]) -> Drawn:
    """One record of numpy columns from per-day records: arrays are concatenated in day order,
    scalars (a first id) are the first day's."""
    first = parts[0]
    joined = {
        f.name: np.concatenate([getattr(p, f.name) for p in parts])
        for f in fields(first)
        if isinstance(getattr(first, f.name), np.ndarray)
    }
    return replace(first, **joined)


def split_days(table: pa.Table, counts: Sequence[int]) -> list[pa.Table]:
    """The block's table cut into consecutive per-day slices of the given row counts."""
    offsets = np.concatenate([[0], np.cumsum(counts)])
    return [table.slice(int(o), int(n)) for o, n in zip(offsets[:-1], counts, strict=True)]
