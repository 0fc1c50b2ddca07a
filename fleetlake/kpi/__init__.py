"""The 12 KPIs: portable SQL run on DuckDB over the lake or on the PostgreSQL copy, cross-checked.

Library API (used by the report and the demo)::

    from fleetlake.kpi import KPIS, run_kpis
    results = run_kpis(lake, as_of=None, names=None, engine="duckdb", dsn=None)
    # -> {"q01_fleet_composition": pyarrow.Table, ...} in KPIS order
"""

from __future__ import annotations

from fleetlake.kpi.queries import KPIS, title
from fleetlake.kpi.run import run_kpis

__all__ = ["KPIS", "run_kpis", "title"]
