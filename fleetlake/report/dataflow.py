"""The data-flow diagram of the whole system, drawn from the configuration actually in use.

Boxes are the stages of SPEC.md's one-way flow; a stage the configuration does not enable
(no Postgres DSN, say) is drawn dashed and grey with "not configured", so the picture is always
the system as it will run, not as it was once designed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from html import escape

from fleetlake.config import Config
from fleetlake.lake.storage import is_s3_uri
from fleetlake.report.page import OK, Figure, Section, records_table
from fleetlake.report.svg import FONT, PALETTE, WIDTH

BOX_W, BOX_H = 160, 58


@dataclass(frozen=True)
class Node:
    """A stage: where it sits, what it is, how it is configured, whether it is in use."""

    key: str
    x: float
    y: float
    title: str
    detail: str
    active: bool = True


def postgres_detail(config: Config) -> tuple[str, bool]:
    """Where Postgres comes from (DSN without password, or libpq) and whether it is set."""
    if config.postgres_dsn:
        try:  # libpq parses the DSN: quoted or URL passwords never reach the page
            from fleetlake.oltp.connection import describe
        except ImportError:  # psycopg not installed: say only that a DSN is set
            return "DSN configured", True
        return describe(config.postgres_dsn), True
    if os.environ.get("PGHOST") or os.environ.get("PGDATABASE"):
        return "libpq PG* environment", True
    return "not configured", False


def _short(text: str, limit: int = 27) -> str:
    """Fit a box: paths and URIs keep their end (the informative part), other text its start."""
    if len(text) <= limit:
        return text
    if "/" in text:
        return "…" + text[-(limit - 1) :]
    return text[: limit - 1] + "…"


def nodes_for(config: Config) -> list[Node]:
    """The stages and where each one lives under ``config``."""
    on_s3 = is_s3_uri(config.lake)
    pg_detail, pg_active = postgres_detail(config)
    if config.warehouse_target == "snowflake":
        target = f"Snowflake ({config.snowflake_connection or 'default connection'})"
    else:
        target = f"DuckDB {config.warehouse_path}"
    lake_kind = "S3" if on_s3 else "local"
    endpoint = f" via {config.s3_endpoint_url}" if on_s3 and config.s3_endpoint_url else ""
    return [
        Node("gen", 2, 150, "gen", f"seed {config.seed}, by day"),
        Node("lake", 232, 150, "Parquet lake", f"{lake_kind}: {config.lake}{endpoint}"),
        Node("postgres", 462, 40, "PostgreSQL OLTP", pg_detail, pg_active),
        Node("kpi", 462, 150, "12 KPIs (DuckDB)", "over the lake"),
        Node("warehouse", 462, 260, "Warehouse (SCD2)", target),
        Node("check", 692, 95, "cross-check", "KPIs identical", pg_active),
        Node("report", 692, 205, "this report", "HTML, offline"),
        Node("api", 2, 290, "HTTP API (gateway)", "Lambda proxy events"),
        Node("handlers", 2, 390, "Lambda handlers", "validate, ETA, deviation"),
        Node("aws", 232, 390, "S3, DynamoDB, SNS", config.events_bucket),
    ]


EDGES = (
    ("gen", "lake", "write"),
    ("lake", "postgres", "COPY"),
    ("lake", "kpi", "SQL"),
    ("lake", "warehouse", "ETL"),
    ("postgres", "check", ""),
    ("kpi", "check", ""),
    ("kpi", "report", ""),
    ("warehouse", "report", ""),
    ("api", "handlers", "events"),
    ("handlers", "aws", "store"),
    ("aws", "lake", "compact"),
)


def _anchor(a: Node, b: Node) -> tuple[float, float, float, float]:
    """Edge from the side of ``a`` facing ``b`` to the facing side of ``b``."""
    if abs(a.y - b.y) > BOX_H and abs(a.x - b.x) < BOX_W:
        down = b.y > a.y
        return (
            a.x + BOX_W / 2,
            a.y + (BOX_H if down else 0),
            b.x + BOX_W / 2,
            b.y + (0 if down else BOX_H),
        )
    if b.x > a.x:
        return a.x + BOX_W, a.y + BOX_H / 2, b.x, b.y + BOX_H / 2
    return a.x, a.y + BOX_H / 2, b.x + BOX_W, b.y + BOX_H / 2


def diagram(nodes: list[Node]) -> str:
    """The SVG: boxes, arrows, labels; inactive stages dashed and grey."""
    by_key = {n.key: n for n in nodes}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} 460" width="{WIDTH}" '
        'height="460" role="img" class="chart" data-chart="dataflow" '
        'aria-labelledby="dataflow-t dataflow-d" '
        f'style="{FONT};font-size:12px;max-width:100%;height:auto">'
        '<title id="dataflow-t">Data flow of this configuration</title>'
        '<desc id="dataflow-d">Boxes are stages; arrows show data moving one way.</desc>'
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#444"/>'
        "</marker></defs>"
        '<text x="0" y="18" font-size="15" font-weight="600" class="chart-title">'
        "Data flow of this configuration</text>"
        '<text x="5" y="280" font-size="12" fill="#555">Serverless path</text>'
    ]
    for src, dst, label in EDGES:
        a, b = by_key[src], by_key[dst]
        x1, y1, x2, y2 = _anchor(a, b)
        active = a.active and b.active
        style = 'stroke="#444"' if active else 'stroke="#aaa" stroke-dasharray="5 4"'
        parts.append(
            f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" {style} '
            f'stroke-width="1.5" marker-end="url(#arrow)" data-edge="{src}-{dst}"/>'
        )
        if label:
            mx, my = (x1 + x2) / 2, (y1 + y2) / 2
            parts.append(
                f'<text x="{mx + (0 if y1 == y2 else 4):.0f}" y="{my - 4:.0f}" font-size="10" '
                f'fill="#333" text-anchor="{"middle" if y1 == y2 else "start"}">'
                f"{escape(label)}</text>"
            )
    for n in nodes:
        fill = "#e8f1f8" if n.active else "#f2f2f2"
        stroke = f'stroke="{PALETTE[0]}"' if n.active else 'stroke="#999" stroke-dasharray="5 4"'
        colour = "#1a1a1a" if n.active else "#777"
        parts.append(
            f'<g class="node" data-node="{n.key}" data-active="{str(n.active).lower()}">'
            f'<rect x="{n.x}" y="{n.y}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="{fill}" '
            f'{stroke} stroke-width="1.5"/>'
            f'<text x="{n.x + BOX_W / 2}" y="{n.y + 23}" text-anchor="middle" font-weight="600" '
            f'fill="{colour}">{escape(n.title)}</text>'
            f'<text x="{n.x + BOX_W / 2}" y="{n.y + 42}" text-anchor="middle" font-size="11" '
            f'fill="{colour}">{escape(_short(n.detail))}</text>'
            f"<title>{escape(n.title)}: {escape(n.detail)}</title></g>"
        )
    parts.append("</svg>")
    return "".join(parts)


def dataflow_section(config: Config) -> Section:
    """The diagram and a table of each stage's configuration."""
    nodes = nodes_for(config)
    table = records_table(
        ("stage", "configured as", "in use"),
        [(n.title, n.detail, "yes" if n.active else "no") for n in nodes],
    )
    intro = f"Profile '{config.profile}' from {config.source}."
    figure = Figure("dataflow", "Data flow", diagram(nodes), table)
    return Section("dataflow", "Data flow", OK, intro, (figure,))
