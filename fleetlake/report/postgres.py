"""The Postgres query-performance section, from the JSON that ``fleetlake pg explain`` writes.

The report reads the file only; it never connects to Postgres, so it builds offline and fast.
"""

from __future__ import annotations

import json
from pathlib import Path

from fleetlake.report import svg
from fleetlake.report.page import NOT_AVAILABLE, OK, Figure, Section, records_table
from fleetlake.report.svg import Series
from fleetlake.report.units import MS

EXPLAIN_JSON = Path("reports") / "pg_explain.json"
TITLE = "Postgres query performance"


def _number(entry: dict, word: str) -> float | None:
    """The first numeric field whose name contains ``word`` (e.g. ``median_ms_before``)."""
    for key, value in entry.items():
        if word in key and isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    return None


def timing_rows(document: dict) -> list[tuple[str, float | None, float | None]]:
    """(KPI, median ms before, median ms after the extra indexes) per query in the report."""
    entries = document.get("queries") or document.get("kpis") or []
    rows = []
    for entry in entries:
        name = str(entry.get("name") or entry.get("kpi") or "?")
        rows.append((name, _number(entry, "before"), _number(entry, "after")))
    return rows


def postgres_section(path: Path = EXPLAIN_JSON) -> Section:
    """Median time per KPI before and after the recommended indexes, or why it is absent."""
    if not path.is_file():
        return Section(
            "postgres",
            TITLE,
            NOT_AVAILABLE,
            f"No {path}: run `fleetlake pg explain` to fill this section.",
        )
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        rows = timing_rows(document)
    except (OSError, ValueError, AttributeError, TypeError) as e:
        return Section("postgres", TITLE, NOT_AVAILABLE, f"Cannot read {path}: {e}")
    if not rows:
        return Section("postgres", TITLE, NOT_AVAILABLE, f"{path} lists no query timings.")
    names = [r[0] for r in rows]
    series = [
        Series("before indexes", [r[1] for r in rows]),
        Series("after indexes", [r[2] for r in rows]),
    ]
    chart = svg.bar_chart(
        "pg-timings",
        "Median query time on Postgres, before and after indexes",
        names,
        series,
        MS,
        "Median time (ms)",
    )
    ratios = [(n, b, a, (b / a if b and a else None)) for n, b, a in rows]
    table = records_table(
        ("KPI", "median before", "median after", "speed-up ×"), ratios, (None, MS, MS, None)
    )
    figure = Figure("pg-timings", "Median query time", chart, table)
    return Section("postgres", TITLE, OK, f"From {path}.", (figure,))
