"""The 12 KPI queries: names, SQL text, bound parameters and the per-engine placeholder syntax.

Each KPI is one portable SQL file under ``sql/kpi/``, written once for both DuckDB and
PostgreSQL. The only thing that differs between the engines is the placeholder syntax, so the
files use ``:name`` placeholders and ``translate`` rewrites them (``$name`` for DuckDB,
``%(name)s`` for psycopg, which also needs a literal ``%`` doubled). The tests run the exact
translated text on both engines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from fleetlake.errors import ConfigError
from fleetlake.sql_files import read_sql

KPIS: tuple[str, ...] = (
    "q01_fleet_composition",
    "q02_expiring_licenses",
    "q03_trips_by_status",
    "q04_deliveries_by_city",
    "q05_driver_trip_completion",
    "q06_driver_productivity",
    "q07_route_fuel_efficiency",
    "q08_late_deliveries_by_weekday",
    "q09_maintenance_cost_per_km",
    "q10_driver_ranking",
    "q11_monthly_trip_trend",
    "q12_delivery_heatmap",
)

PARAMETERS = ("as_of", "tolerance_minutes")
DIALECTS = ("duckdb", "postgres")

# ``:name`` not preceded by ``:`` (a ``::`` cast) or a word character (``'08:30'``).
_PLACEHOLDER = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)\b")


def resolve_names(names: str | Iterable[str] | None) -> list[str]:
    """KPI names in canonical order. Accepts ``all``/None, full names, ``q07``, ``q7`` or ``7``."""
    names = [names] if isinstance(names, str) else list(names or ["all"])
    if "all" in names:
        return list(KPIS)
    chosen = set()
    for name in names:
        key = name.strip().lower()
        number = key.removeprefix("q")
        if number.isdigit():
            key = f"q{int(number):02d}"
        matches = [k for k in KPIS if k == key or k.split("_", 1)[0] == key]
        if not matches:
            raise ConfigError(
                f"unknown KPI '{name}' (choose all, 1..12, q01..q12 or a full name such as "
                f"{KPIS[6]}; `fleetlake kpi --help` lists them)"
            )
        chosen.add(matches[0])
    return [k for k in KPIS if k in chosen]


def kpi_text(name: str) -> str:
    """The portable SQL text of one KPI, as committed under ``sql/kpi/``."""
    return read_sql(f"kpi/{name}.sql")


def title(name: str) -> str:
    """The KPI's title: the first header comment line (``-- Q1 Fleet composition``)."""
    first = kpi_text(name).splitlines()[0]
    return first.removeprefix("--").strip()


def placeholders(sql: str) -> list[str]:
    """The distinct ``:name`` placeholders of a portable SQL text, in order of appearance."""
    return list(dict.fromkeys(_PLACEHOLDER.findall(sql)))


def translate(sql: str, dialect: str) -> str:
    """Rewrite ``:name`` placeholders into the driver's syntax for ``dialect``."""
    unknown = set(placeholders(sql)) - set(PARAMETERS)
    if unknown:
        raise ValueError(f"unknown KPI parameter(s): {', '.join(sorted(unknown))}")
    if dialect == "duckdb":
        return _PLACEHOLDER.sub(r"$\1", sql)
    if dialect == "postgres":
        return _PLACEHOLDER.sub(r"%(\1)s", sql.replace("%", "%%"))
    raise ValueError(f"unknown dialect {dialect!r} (choose from {', '.join(DIALECTS)})")


def bind(sql: str, as_of: date, tolerance_minutes: int) -> dict[str, object]:
    """The parameter values a portable SQL text uses (engines refuse unused ones)."""
    values = {"as_of": as_of, "tolerance_minutes": int(tolerance_minutes)}
    return {name: values[name] for name in placeholders(sql)}
