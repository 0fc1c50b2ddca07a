"""The report's structure (sections of figures: chart first, small table second) and its HTML.

One self-contained file: inline CSS, inline SVG, no script, and a Content-Security-Policy that
forbids every network fetch, so the page cannot reach the network even by accident.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import pyarrow as pa

from fleetlake.report.units import Unit

OK = "ok"
NOT_CONFIGURED = "not configured"
NOT_AVAILABLE = "not available"
# What a hand-edited or foreign results file (pg_explain.json, replay.json) can raise while its
# section is built: such a section says "not available", it never stops the report.
SAVED_RESULT_ERRORS = (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError)
TABLE_ROWS = 12


@dataclass(frozen=True)
class Table:
    """A small table, already formatted; ``total_rows`` tells the reader how much was cut."""

    columns: Sequence[str]
    rows: Sequence[Sequence[str]]
    total_rows: int


@dataclass(frozen=True)
class Figure:
    """One chart and the table of the numbers behind it."""

    id: str
    title: str
    chart: str
    table: Table | None = None
    note: str = ""


@dataclass(frozen=True)
class Section:
    """A report section; a section whose source is absent says so with its ``status``."""

    id: str
    title: str
    status: str = OK
    intro: str = ""
    figures: Sequence[Figure] = field(default_factory=tuple)


def saved_result_section(
    section_id: str, title: str, path: Path, build: Callable[[dict], Section]
) -> Section:
    """The section ``build`` makes from the JSON results saved in ``path``; a file that cannot be
    read or holds something else gives a "not available" section saying why."""
    try:
        return build(json.loads(path.read_text(encoding="utf-8")))
    except SAVED_RESULT_ERRORS as e:
        return Section(section_id, title, NOT_AVAILABLE, f"Cannot read {path}: {e!r}")


def format_cell(value: object, unit: Unit | None = None) -> str:
    """One table cell: the column's unit when it has one, else a plain readable form."""
    if value is None:
        return "—"
    if unit is not None and isinstance(value, int | float | decimal.Decimal):
        return unit.format(float(value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) or (
        isinstance(value, decimal.Decimal) and value.as_tuple().exponent == 0
    ):  # SUM of integers comes back from DuckDB as a scale-0 decimal
        return f"{int(value):,}"
    if isinstance(value, float | decimal.Decimal):
        return f"{float(value):,.2f}"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def arrow_table(
    table: pa.Table, units: Mapping[str, Unit] | None = None, limit: int = TABLE_ROWS
) -> Table:
    """The first ``limit`` rows of an Arrow table, each column formatted by its unit."""
    units = units or {}
    head = table.slice(0, limit).to_pylist()
    rows = [[format_cell(row[c], units.get(c)) for c in table.column_names] for row in head]
    return Table(table.column_names, rows, table.num_rows)


def records_table(
    columns: Sequence[str], records: Sequence[Sequence[object]], units: Sequence[Unit | None] = ()
) -> Table:
    """A table from plain rows (already in display order), formatted by per-column units; only
    the rows shown are formatted."""
    units = list(units) + [None] * (len(columns) - len(units))
    shown = records[:TABLE_ROWS]
    rows = [[format_cell(v, u) for v, u in zip(r, units, strict=False)] for r in shown]
    return Table(columns, rows, len(records))


CSS = """
:root{color-scheme:light}
body{margin:0;background:#fafafa;color:#1a1a1a;
 font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif}
header{background:#0b3954;color:#fff;padding:20px 32px}
header h1{margin:0 0 4px;font-size:26px}
header p{margin:2px 0;opacity:.9}
nav{padding:10px 32px;background:#e8eef2;position:sticky;top:0;z-index:1}
nav a{margin-right:16px;color:#0b3954;font-weight:600;text-decoration:none}
main{padding:8px 32px 48px;max-width:1100px}
section{margin-top:28px}
h2{border-bottom:2px solid #0b3954;padding-bottom:4px}
.status{display:inline-block;font-size:13px;padding:1px 8px;border-radius:10px;margin-left:8px;
 vertical-align:middle;background:#ddd;color:#333}
.status-ok{display:none}
figure{background:#fff;border:1px solid #ddd;border-radius:6px;margin:16px 0;padding:12px 16px;
 overflow-x:auto}
.note{color:#555;font-size:13px}
table{border-collapse:collapse;margin-top:10px;font-size:13px}
th,td{border-bottom:1px solid #e3e3e3;padding:3px 10px;text-align:left;white-space:nowrap}
td.num{text-align:right;font-variant-numeric:tabular-nums}
th{background:#f0f3f5}
.more{color:#666;font-size:12px}
.problems li{color:#8a1c00}
"""


_NUMBER = re.compile(r"^(COP )?-?[\d,]+(\.\d+)?( ?(%|km|kg|L/100 km|COP/km|ms))?$")


def _is_number(cell: str) -> bool:
    return bool(_NUMBER.match(cell))


def _table_html(table: Table) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in table.columns)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{escape(c)}</td>' if _is_number(c) else f"<td>{escape(c)}</td>"
            for c in row
        )
        + "</tr>"
        for row in table.rows
    )
    more = ""
    if table.total_rows > len(table.rows):
        more = f'<p class="more">First {len(table.rows)} of {table.total_rows:,} rows.</p>'
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"


def _figure_html(figure: Figure) -> str:
    parts = [
        f'<figure id="{escape(figure.id)}" data-figure="{escape(figure.id)}" '
        f'aria-label="{escape(figure.title)}">'
    ]
    parts.append(figure.chart)
    if figure.note:
        parts.append(f'<p class="note">{escape(figure.note)}</p>')
    if figure.table is not None:
        parts.append(_table_html(figure.table))
    parts.append("</figure>")
    return "".join(parts)


def render_html(title: str, facts: Sequence[str], sections: Sequence[Section]) -> str:
    """The whole page: header with the facts of this run, a table of contents, the sections."""
    nav = "".join(f'<a href="#{escape(s.id)}">{escape(s.title)}</a>' for s in sections)
    body = []
    for s in sections:
        status_class = "status-ok" if s.status == OK else "status-off"
        body.append(
            f'<section id="{escape(s.id)}" data-section="{escape(s.id)}" '
            f'data-status="{escape(s.status)}"><h2>{escape(s.title)}'
            f'<span class="status {status_class}">{escape(s.status)}</span></h2>'
        )
        if s.intro:
            body.append(f"<p>{escape(s.intro)}</p>")
        body.extend(_figure_html(f) for f in s.figures)
        body.append("</section>")
    header = "".join(f"<p>{escape(f)}</p>" for f in facts)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{escape(title)}</h1>{header}</header><nav>{nav}</nav>"
        f"<main>{''.join(body)}</main></body></html>\n"
    )
