"""Measure the KPIs on PostgreSQL with and without the recommended indexes; report honestly.

Every KPI runs under ``EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)`` ``repeat`` times (after one
unmeasured warm-up run) without the indexes of ``sql/postgres/indexes.sql``, then again with
them. The report gives the median execution time before and after, how each plan changed, which
indexes the planner actually used, and a verdict per index: ``helps`` (used by a KPI that got at
least ``GAIN`` and ``MIN_GAIN_MS`` faster), ``used, no gain``, or ``unused``. The database is
left as it was found: indexes that existed before are kept, the others dropped again.

The report data is a plain dict (``explain_kpis``); ``write_report`` stores it as JSON (read by
the report generator) and Markdown, by default ``./reports/pg_explain.json`` and ``.md``.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from statistics import median
from typing import Any

from fleetlake.config import DEFAULT_ON_TIME_TOLERANCE_MINUTES
from fleetlake.errors import ConfigError, FleetlakeError
from fleetlake.kpi.queries import bind, kpi_text, resolve_names, title, translate
from fleetlake.kpi.run import checked_as_of
from fleetlake.oltp.connection import connect, database_error, describe
from fleetlake.oltp.load import SCHEMA_TABLES, read_load_marker
from fleetlake.sql_files import read_sql

DEFAULT_REPORT_DIR = Path("reports")
REPORT_NAME = "pg_explain"
GAIN = 0.10  # an index "helps" when a KPI using it got at least 10 % faster ...
MIN_GAIN_MS = 1.0  # ... and at least 1 ms faster (below that, timings are noise)
_INDEX = re.compile(r"CREATE\s+INDEX\s+IF\s+NOT\s+EXISTS\s+(\w+)\s+ON\s+(\w+)", re.IGNORECASE)


@dataclass(frozen=True)
class IndexDef:
    """One recommended index from ``sql/postgres/indexes.sql``."""

    name: str
    table: str
    statement: str


def recommended_indexes() -> list[IndexDef]:
    """The statements of ``indexes.sql``, one index each."""
    text = "\n".join(
        line
        for line in read_sql("postgres/indexes.sql").splitlines()
        if not line.lstrip().startswith("--")
    )
    found = []
    for statement in filter(None, (s.strip() for s in text.split(";"))):
        match = _INDEX.search(statement)
        if not match:
            raise RuntimeError(f"indexes.sql: not a CREATE INDEX IF NOT EXISTS: {statement[:60]}")
        found.append(IndexDef(match.group(1), match.group(2), " ".join(statement.split())))
    return found


def _nodes(plan: dict[str, Any]) -> list[str]:
    """Readable labels of every plan node, depth first: 'Index Scan using idx on trips'."""
    label = plan["Node Type"]
    if "Index Name" in plan:
        label += f" using {plan['Index Name']}"
    if "Relation Name" in plan:
        label += f" on {plan['Relation Name']}"
    labels = [label]
    for child in plan.get("Plans", []):
        labels.extend(_nodes(child))
    return labels


def _indexes_used(plan: dict[str, Any]) -> set[str]:
    used = {plan["Index Name"]} if "Index Name" in plan else set()
    for child in plan.get("Plans", []):
        used |= _indexes_used(child)
    return used


def _measure(con, sql: str, params: dict, repeat: int) -> tuple[float, dict[str, Any]]:
    """Median execution time (ms) over ``repeat`` runs after a warm-up, and the last plan."""
    statement = "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql
    con.execute(statement, params)
    times, plan = [], {}
    for _ in range(repeat):
        document = con.execute(statement, params).fetchone()[0][0]
        times.append(document["Execution Time"])
        plan = document["Plan"]
    return median(times), plan


def _existing(con, names: list[str]) -> set[str]:
    rows = con.execute(
        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
        "AND indexname = ANY(%s)",
        (names,),
    ).fetchall()
    return {r[0] for r in rows}


def _set_indexes(con, indexes: list[IndexDef], present: set[str]) -> None:
    """Create the indexes named in ``present``, drop the others, refresh the planner statistics."""
    for index in indexes:
        con.execute(
            index.statement if index.name in present else f"DROP INDEX IF EXISTS {index.name}"
        )
    for table in sorted({i.table for i in indexes}):
        con.execute(f"ANALYZE {table}")


def explain_kpis(
    dsn: str,
    repeat: int = 5,
    as_of: date | None = None,
    names: list[str] | None = None,
    tolerance_minutes: int = DEFAULT_ON_TIME_TOLERANCE_MINUTES,
) -> dict[str, Any]:
    """Measure every KPI without and with the recommended indexes; return the report data."""
    import psycopg

    if repeat < 1:
        raise ConfigError("--repeat must be at least 1")
    indexes = recommended_indexes()
    chosen = resolve_names(names)
    con = connect(dsn, autocommit=True)
    step = "look up the recommended indexes"
    try:
        loaded = read_load_marker(con)
        as_of = checked_as_of(as_of, loaded.start, loaded.end)
        existed = _existing(con, [i.name for i in indexes])
        step = "VACUUM ANALYZE"
        con.execute(f"VACUUM ANALYZE {', '.join(SCHEMA_TABLES)}")  # fleetlake's tables only
        queries = {}
        for name in chosen:
            sql = kpi_text(name)
            queries[name] = (translate(sql, "postgres"), bind(sql, as_of, tolerance_minutes))
        runs: dict[str, dict[str, tuple[float, dict]]] = {"before": {}, "after": {}}
        try:
            for phase in ("before", "after"):
                step = f"{phase}: set up indexes"
                _set_indexes(con, indexes, {i.name for i in indexes} if phase == "after" else set())
                for name, (sql, params) in queries.items():
                    step = f"{phase}: EXPLAIN ANALYZE {name}"
                    runs[phase][name] = _measure(con, sql, params, repeat)
        finally:
            if not con.closed:  # leave the indexes as found, even after a failure
                _set_indexes(con, indexes, existed)
    except psycopg.Error as e:
        raise database_error(e, dsn, step) from e
    finally:
        con.close()
    return _report(dsn, repeat, as_of, tolerance_minutes, indexes, existed, runs)


def _report(dsn, repeat, as_of, tolerance, indexes, existed, runs) -> dict[str, Any]:
    extra = {i.name for i in indexes}
    kpis = []
    for name, (before_ms, before_plan) in runs["before"].items():
        after_ms, after_plan = runs["after"][name]
        before_nodes, after_nodes = _nodes(before_plan), _nodes(after_plan)
        used = _indexes_used(after_plan)
        kpis.append(
            {
                "name": name,
                "title": title(name),
                "before_ms": round(before_ms, 3),
                "after_ms": round(after_ms, 3),
                "speedup": round(before_ms / after_ms, 2) if after_ms else None,
                "plan_changed": before_nodes != after_nodes,
                "plan_before": before_nodes,
                "plan_after": after_nodes,
                "nodes_removed": sorted(set(before_nodes) - set(after_nodes)),
                "nodes_added": sorted(set(after_nodes) - set(before_nodes)),
                "indexes_used": sorted(used),
                "recommended_indexes_used": sorted(used & extra),
            }
        )
    index_rows = []
    for index in indexes:
        users = [k for k in kpis if index.name in k["recommended_indexes_used"]]
        helped = [
            k["name"]
            for k in users
            if k["after_ms"] <= (1 - GAIN) * k["before_ms"]
            and k["before_ms"] - k["after_ms"] >= MIN_GAIN_MS
        ]
        verdict = "helps" if helped else "used, no gain" if users else "unused"
        index_rows.append(
            {
                "name": index.name,
                "table": index.table,
                "statement": index.statement,
                "existed_before": index.name in existed,
                "used_by": [k["name"] for k in users],
                "faster_kpis": helped,
                "verdict": verdict,
            }
        )
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "server": describe(dsn),
        "repeat": repeat,
        "as_of": as_of.isoformat(),
        "tolerance_minutes": tolerance,
        "gain_threshold": GAIN,
        "min_gain_ms": MIN_GAIN_MS,
        "total_before_ms": round(sum(k["before_ms"] for k in kpis), 3),
        "total_after_ms": round(sum(k["after_ms"] for k in kpis), 3),
        "kpis": kpis,
        "indexes": index_rows,
    }


def render_markdown(report: dict[str, Any]) -> str:
    """The report as Markdown: timings per KPI, verdict per index, plan changes."""
    lines = [
        "# PostgreSQL KPI plans: with and without the recommended indexes",
        "",
        f"Server {report['server']}, as_of {report['as_of']}, median of {report['repeat']} "
        f"EXPLAIN (ANALYZE, BUFFERS) runs per KPI, generated {report['generated_at']}.",
        "",
        "| KPI | before ms | after ms | speedup | recommended indexes used | plan changed |",
        "|---|---:|---:|---:|---|---|",
    ]
    for k in report["kpis"]:
        used = ", ".join(k["recommended_indexes_used"]) or "-"
        lines.append(
            f"| {k['name']} | {k['before_ms']:.2f} | {k['after_ms']:.2f} | {k['speedup']}x "
            f"| {used} | {'yes' if k['plan_changed'] else 'no'} |"
        )
    lines.append(
        f"| **total** | {report['total_before_ms']:.2f} | {report['total_after_ms']:.2f} | | | |"
    )
    lines += [
        "",
        f"## Indexes (helps = used by a KPI that got >= {report['gain_threshold']:.0%} and "
        f">= {report['min_gain_ms']:g} ms faster)",
        "",
        "| index | table | verdict | used by | faster |",
        "|---|---|---|---|---|",
    ]
    for i in report["indexes"]:
        lines.append(
            f"| {i['name']} | {i['table']} | {i['verdict']} | {', '.join(i['used_by']) or '-'} "
            f"| {', '.join(i['faster_kpis']) or '-'} |"
        )
    lines += ["", "## Plan changes", ""]
    for k in report["kpis"]:
        if not k["plan_changed"]:
            continue
        lines.append(f"- **{k['name']}**")
        lines += [f"  - removed: {node}" for node in k["nodes_removed"]]
        lines += [f"  - added: {node}" for node in k["nodes_added"]]
    return "\n".join(lines) + "\n"


def prepare_report_dir(out_dir: Path) -> None:
    """Create ``out_dir`` or fail with one line, before minutes of measurements are spent."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise FleetlakeError(f"cannot write the report to {out_dir}: {e.strerror or e}") from e
    if not os.access(out_dir, os.W_OK):
        raise FleetlakeError(f"cannot write the report to {out_dir}: not writable")


def write_report(report: dict[str, Any], out_dir: Path = DEFAULT_REPORT_DIR) -> tuple[Path, Path]:
    """Write ``<out_dir>/pg_explain.json`` and ``pg_explain.md``; returns both paths."""
    prepare_report_dir(out_dir)
    json_path, md_path = out_dir / f"{REPORT_NAME}.json", out_dir / f"{REPORT_NAME}.md"
    try:
        json_path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", "utf-8")
        md_path.write_text(render_markdown(report), encoding="utf-8")
    except OSError as e:
        raise FleetlakeError(f"cannot write the report to {out_dir}: {e.strerror or e}") from e
    return json_path, md_path
