"""``fleetlake kpi``: print the KPIs, or cross-check DuckDB against PostgreSQL (``kpi check``)."""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import click

from fleetlake.cli.app import handle_errors, main, pass_app

if TYPE_CHECKING:
    import pyarrow as pa


def _plain(value: Any) -> Any:
    """JSON-ready value: decimals as numbers (whole ones as int), dates as ISO text."""
    if isinstance(value, Decimal):
        return int(value) if value.as_tuple().exponent >= 0 else float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _print_table(name: str, table: pa.Table) -> None:
    from rich.console import Console
    from rich.table import Table

    from fleetlake.kpi import title

    shown = Table()
    for column in table.column_names:
        shown.add_column(column)
    for row in table.to_pylist():
        shown.add_row(*("" if v is None else str(v) for v in row.values()))
    console = Console(width=160)
    console.print(f"{name}: {title(name)}", highlight=False, markup=False)
    console.print(shown)


def _print_csv(name: str, table: pa.Table, with_name: bool) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if with_name:
        out.write(f"# {name}\n")
    writer.writerow(table.column_names)
    for row in table.to_pylist():
        writer.writerow(["" if v is None else _plain(v) for v in row.values()])
    click.echo(out.getvalue(), nl=False)


def _print_results(results: dict[str, pa.Table], fmt: str) -> None:
    if fmt == "json":
        document = {
            name: [{k: _plain(v) for k, v in row.items()} for row in table.to_pylist()]
            for name, table in results.items()
        }
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return
    for name, table in results.items():
        if fmt == "csv":
            _print_csv(name, table, with_name=len(results) > 1)
        else:
            _print_table(name, table)


def _check(app, lake_uri: str | None, dsn: str | None, as_of: str | None) -> None:
    from fleetlake.kpi.check import ABS_TOLERANCE, check_kpis
    from fleetlake.lake import open_lake
    from fleetlake.oltp.connection import describe, resolve_dsn

    config = app.config(lake=lake_uri)
    target = resolve_dsn(dsn, config.postgres_dsn)
    lake = open_lake(config.lake, endpoint_url=config.s3_endpoint_url)
    result = check_kpis(
        lake, target, as_of=as_of, tolerance_minutes=config.on_time_tolerance_minutes
    )
    for name, problems in result.differences.items():
        status = "ok" if not problems else "DIFFERENT"
        click.echo(f"{name:<34} {result.rows[name]:>6} rows  {status}")
        for line in problems:
            click.echo(f"    {line}")
    if not result.ok:
        click.secho(
            f"KPIs differ between DuckDB ({lake.uri}) and PostgreSQL ({describe(target)})",
            fg="red",
            err=True,
        )
        sys.exit(1)
    click.echo(
        f"all {len(result.rows)} KPIs identical on DuckDB and PostgreSQL "
        f"(numbers within {ABS_TOLERANCE})"
    )


@main.command("kpi")
@click.argument("names", nargs=-1)
@click.option(
    "--engine",
    type=click.Choice(["duckdb", "postgres"]),
    default="duckdb",
    show_default=True,
    help="DuckDB over the lake, or the PostgreSQL copy.",
)
@click.option("--as-of", "as_of", help="Anchor date YYYY-MM-DD of the windows [last data date].")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@click.option("--dsn", help="PostgreSQL DSN [profile's postgres_dsn, else libpq PG* variables].")
@click.option("--lake", help="Lake path or s3:// URI [profile's lake].")
@pass_app
@handle_errors
def kpi(app, names, engine, as_of, fmt, dsn, lake) -> None:
    """Print KPIs: NAMES are all (default), 1..12, q01..q12 or full names (listed below).

    `fleetlake kpi check` runs all 12 on DuckDB and on PostgreSQL over the same data, compares
    them row by row, prints any differing rows and exits 1 if they differ.

    \b
    q01_fleet_composition           q07_route_fuel_efficiency
    q02_expiring_licenses           q08_late_deliveries_by_weekday
    q03_trips_by_status             q09_maintenance_cost_per_km
    q04_deliveries_by_city          q10_driver_ranking
    q05_driver_trip_completion      q11_monthly_trip_trend
    q06_driver_productivity         q12_delivery_heatmap
    """
    from fleetlake.kpi import run_kpis
    from fleetlake.oltp.connection import resolve_dsn

    if names and names[0] == "check":
        if len(names) > 1:
            raise click.UsageError("`kpi check` takes no KPI names")
        _check(app, lake, dsn, as_of)
        return
    config = app.config(lake=lake)
    source = None
    if engine == "duckdb" or lake:
        from fleetlake.lake import open_lake

        source = open_lake(config.lake, endpoint_url=config.s3_endpoint_url)
    results = run_kpis(
        source,
        as_of=as_of,
        names=list(names) or None,
        engine=engine,
        dsn=resolve_dsn(dsn, config.postgres_dsn),
        tolerance_minutes=config.on_time_tolerance_minutes,
    )
    _print_results(results, fmt)
