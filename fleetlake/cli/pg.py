"""``fleetlake pg load`` and ``fleetlake pg explain``: the PostgreSQL OLTP copy."""

from __future__ import annotations

from pathlib import Path

import click

from fleetlake.cli.app import handle_errors, main, pass_app

DSN_HELP = "libpq DSN or URI [profile's postgres_dsn, else libpq PG* variables]."


@main.group("pg")
def pg() -> None:
    """PostgreSQL OLTP copy: load it from the lake, measure the KPIs' plans."""


@pg.command("load")
@click.option("--dsn", help=DSN_HELP)
@click.option("--lake", help="Lake path or s3:// URI [profile's lake].")
@click.option(
    "--validate/--no-validate",
    default=True,
    show_default=True,
    help="Refuse a lake that fails `fleetlake validate`.",
)
@pass_app
@handle_errors
def load(app, dsn: str | None, lake: str | None, validate: bool) -> None:
    """Replace the fleetlake tables with the lake's current state (binary COPY, one transaction).

    A failed or interrupted load leaves the previous copy untouched; a rerun gives the same tables.
    """
    from fleetlake.lake import open_lake
    from fleetlake.oltp.connection import describe, resolve_dsn
    from fleetlake.oltp.load import load_lake

    config = app.config(lake=lake)
    target = resolve_dsn(dsn, config.postgres_dsn)
    opened = open_lake(config.lake, endpoint_url=config.s3_endpoint_url)
    result = load_lake(
        opened,
        target,
        validate=validate,
        progress=lambda table, rows: click.echo(f"  {table:<12} {rows:>12,} rows", err=True),
    )
    total = sum(result.rows.values())
    click.echo(
        f"loaded {total:,} rows from {opened.uri} into {describe(target)} in {result.seconds:.2f} s"
    )


@pg.command("explain")
@click.option("--dsn", help=DSN_HELP)
@click.option("--repeat", default=5, show_default=True, help="Measured runs per KPI and phase.")
@click.option("--as-of", "as_of", help="Anchor date of the KPI windows [last date in the data].")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("reports"),
    show_default=True,
    help="Directory for pg_explain.json and pg_explain.md.",
)
@pass_app
@handle_errors
def explain(app, dsn: str | None, repeat: int, as_of: str | None, out_dir: Path) -> None:
    """EXPLAIN ANALYZE every KPI without and with sql/postgres/indexes.sql; write the report."""
    from fleetlake.kpi.run import parse_as_of
    from fleetlake.oltp.connection import resolve_dsn
    from fleetlake.oltp.explain import (
        explain_kpis,
        prepare_report_dir,
        render_markdown,
        write_report,
    )

    config = app.config()
    prepare_report_dir(out_dir)
    report = explain_kpis(
        resolve_dsn(dsn, config.postgres_dsn),
        repeat=repeat,
        as_of=parse_as_of(as_of),
        tolerance_minutes=config.on_time_tolerance_minutes,
    )
    json_path, md_path = write_report(report, out_dir)
    click.echo(render_markdown(report))
    click.echo(f"wrote {json_path} and {md_path}", err=True)
