"""Cross-check: the KPIs on DuckDB over the lake must equal the KPIs on the PostgreSQL copy.

Both results are normalised before comparing, because the engines return different types for the
same SQL: DuckDB divides decimals into doubles and sums into 128-bit integers, PostgreSQL keeps
``numeric``. So numbers compare as floats within ``ABS_TOLERANCE`` (one unit in the second
decimal place: a ratio rounded to 2 decimals from a double and from an exact numeric may land on
either side of a half) or a relative 1e-9; dates and timestamps compare as ISO text; rows are
sorted the same way on both sides, so an ORDER BY tie broken differently is not a difference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from fleetlake.config import DEFAULT_ON_TIME_TOLERANCE_MINUTES
from fleetlake.errors import ConfigError, DatabaseError
from fleetlake.kpi.run import (
    as_lake,
    checked_as_of,
    parse_as_of,
    run_kpis,
)

if TYPE_CHECKING:
    from fleetlake.lake import Lake

ABS_TOLERANCE = 0.01
REL_TOLERANCE = 1e-9
SHOWN_ROWS = 10


def normalise_value(value: Any) -> Any:
    """One comparable value: numbers -> float, dates -> ISO text, the rest as is."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float | Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _sort_key(row: tuple) -> tuple:
    # Rounded so float noise cannot reorder rows; None sorts first.
    return tuple(
        (0, "") if v is None else (1, round(v, 6)) if isinstance(v, float) else (2, str(v))
        for v in row
    )


def normalise(table: pa.Table) -> tuple[list[str], list[tuple]]:
    """Column names (lower case) and rows of normalised values, in a canonical order."""
    columns = [name.lower() for name in table.column_names]
    rows = [tuple(normalise_value(v) for v in row.values()) for row in table.to_pylist()]
    return columns, sorted(rows, key=_sort_key)


def values_equal(a: Any, b: Any) -> bool:
    """Equality after normalisation, numbers within the stated tolerance."""
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=REL_TOLERANCE, abs_tol=ABS_TOLERANCE + 1e-9)
    return a == b


def compare(left: pa.Table, right: pa.Table) -> list[str]:
    """Human-readable differences between two results (empty when they agree)."""
    left_columns, left_rows = normalise(left)
    right_columns, right_rows = normalise(right)
    if left_columns != right_columns:
        return [f"columns differ: duckdb {left_columns} vs postgres {right_columns}"]
    problems = []
    if len(left_rows) != len(right_rows):
        problems.append(f"row counts differ: duckdb {len(left_rows)} vs postgres {len(right_rows)}")
    differing = [
        (a, b)
        for a, b in zip(left_rows, right_rows, strict=False)
        if len(a) != len(b) or not all(values_equal(x, y) for x, y in zip(a, b, strict=True))
    ]
    for a, b in differing[:SHOWN_ROWS]:
        problems.append(f"  duckdb:   {a}")
        problems.append(f"  postgres: {b}")
    if len(differing) > SHOWN_ROWS:
        problems.append(f"  ... and {len(differing) - SHOWN_ROWS} more differing rows")
    extra = left_rows[len(right_rows) :] or right_rows[len(left_rows) :]
    side = "duckdb" if len(left_rows) > len(right_rows) else "postgres"
    for row in extra[:SHOWN_ROWS]:
        problems.append(f"  only in {side}: {row}")
    return problems


@dataclass
class CheckResult:
    """Per KPI: its row count on DuckDB and the differences found (empty = identical)."""

    rows: dict[str, int] = field(default_factory=dict)
    differences: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(self.differences.values())


def _check_same_source(lake: Lake, dsn: str) -> None:
    from fleetlake.oltp.connection import connect
    from fleetlake.oltp.load import read_load_marker

    m = lake.manifest
    with connect(dsn, autocommit=True) as con:
        loaded = read_load_marker(con)
    if (loaded.seed, loaded.sf, loaded.start, loaded.end) != (m.seed, m.sf, m.start, m.end):
        raise DatabaseError(
            f"the PostgreSQL copy holds seed {loaded.seed}, sf {loaded.sf:g}, "
            f"{loaded.start}..{loaded.end} but the lake {lake.uri} holds seed {m.seed}, "
            f"sf {m.sf:g}, {m.start}..{m.end}; run `fleetlake pg load` to refresh it"
        )


def check_kpis(
    lake: Lake | str,
    dsn: str,
    as_of: date | str | None = None,
    names: list[str] | None = None,
    tolerance_minutes: int = DEFAULT_ON_TIME_TOLERANCE_MINUTES,
) -> CheckResult:
    """Run the KPIs on both engines over the same data and compare them row by row.

    Refuses (``DatabaseError``) when the PostgreSQL copy was loaded from another world or another
    date range than the lake's: every KPI would differ, and the fix is ``fleetlake pg load``.
    ``as_of`` must be the last date in the data (the default): the copy holds the entities'
    latest state, not their state on an earlier date.
    """
    lake = as_lake(lake)
    last = checked_as_of(None, lake.manifest.start, lake.manifest.end)
    if parse_as_of(as_of) not in (None, last):
        raise ConfigError(
            f"kpi check compares at the last date in the data ({last}): the PostgreSQL copy holds "
            f"the entities' latest state, not their state on {as_of}"
        )
    _check_same_source(lake, dsn)
    common = {"as_of": as_of, "names": names, "tolerance_minutes": tolerance_minutes}
    duck = run_kpis(lake, engine="duckdb", **common)
    post = run_kpis(lake, engine="postgres", dsn=dsn, **common)
    result = CheckResult()
    for name, table in duck.items():
        result.rows[name] = table.num_rows
        result.differences[name] = compare(table, post[name])
    return result
