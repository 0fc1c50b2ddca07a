"""``fleetlake warehouse load``, ``status`` and ``unlock``."""

from __future__ import annotations

import json
import sys

import click

from fleetlake.cli.app import handle_errors, main, pass_app

TARGET_OPTION = click.option(
    "--target",
    type=click.Choice(["duckdb", "snowflake"]),
    help="Warehouse target [profile's warehouse_target].",
)
PATH_OPTION = click.option(
    "--warehouse-path", help="DuckDB warehouse file [profile's warehouse_path]."
)


@main.group("warehouse")
def warehouse() -> None:
    """Star-schema warehouse with SCD2 history, loaded incrementally from the lake."""


@warehouse.command("load")
@TARGET_OPTION
@PATH_OPTION
@click.option("--lake", help="Lake path or s3:// URI [profile's lake].")
@click.option(
    "--validate/--no-validate",
    default=False,
    show_default=True,
    help="First run the full `fleetlake validate` and refuse a lake that fails it (it reads the "
    "whole lake; a result saved for the same content is reused; without it, every file loaded "
    "is still checked against its manifest sha256).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON.")
@pass_app
@handle_errors
def load(
    app, target: str | None, warehouse_path: str | None, lake: str | None, validate: bool,
    as_json: bool,
) -> None:  # fmt: skip
    """Load the lake partitions that are new or changed since the last run, in one transaction.

    A second load started meanwhile is refused; a failed load leaves the warehouse unchanged.
    """
    from dataclasses import asdict

    from fleetlake.warehouse import load_warehouse

    config = app.config(warehouse_target=target, warehouse_path=warehouse_path, lake=lake)
    interactive = not as_json and sys.stderr.isatty()
    summary = load_warehouse(
        config,
        validate=validate,
        progress=(lambda line: click.secho(line, dim=True, err=True)) if interactive else None,
    )
    if as_json:
        click.echo(json.dumps(asdict(summary) if summary else {"status": "up to date"}))
    elif summary is None:
        click.echo(f"warehouse ({config.warehouse_target}) is up to date with {config.lake}")
    else:
        click.echo(
            f"run {summary.run_id}: {summary.partitions_read} partitions, "
            f"{summary.rows_read:,} rows read, {summary.rows_inserted:,} inserted, "
            f"{summary.rows_updated:,} updated, {summary.rows_rejected:,} rejected "
            f"in {summary.seconds:.2f} s ({config.warehouse_target})"
        )
        if summary.rows_rejected:
            click.secho(
                f"warning: {summary.rows_rejected:,} rows rejected; see etl_rejects "
                f"(run_id = {summary.run_id})",
                fg="yellow",
                err=True,
            )


@warehouse.command("status")
@TARGET_OPTION
@PATH_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@pass_app
@handle_errors
def status(app, target: str | None, warehouse_path: str | None, as_json: bool) -> None:
    """Show the watermark, the last runs and the row count of every table."""
    from fleetlake.warehouse import warehouse_status

    config = app.config(warehouse_target=target, warehouse_path=warehouse_path)
    info = warehouse_status(config)
    if as_json:
        click.echo(json.dumps(info, default=str))
        return
    if not info["initialized"]:
        click.echo(f"warehouse ({info['target']}) is empty: run `fleetlake warehouse load`")
        return
    click.echo(f"target: {info['target']}")
    if info["lake"]:
        click.echo(f"lake: {info['lake']['uri']} ({info['lake']['identity']})")
    click.echo("watermark (lake partitions loaded):")
    for w in info["watermark"]:
        click.echo(
            f"  {w['table']:<12} {w['partitions']:>6} partitions  {w['first']} .. {w['last']}"
        )
    click.echo("last runs:")
    for r in info["runs"]:
        click.echo(
            f"  run {r['run_id']:>4} {r['status']:<10} {r['finished_at'][:19]}"
            f"  read {r['rows_read']:,}"
            f"  inserted {r['rows_inserted']:,}  updated {r['rows_updated']:,}"
            f"  rejected {r['rows_rejected']:,}"
        )
    click.echo("rows:")
    for table, count in info["rows"].items():
        click.echo(f"  {table:<16} {count:>12,}")


@warehouse.command("unlock")
@TARGET_OPTION
@PATH_OPTION
@pass_app
@handle_errors
def unlock(app, target: str | None, warehouse_path: str | None) -> None:
    """Release the load lock left by a load that died (Snowflake).

    Only for a load you know is dead: a Snowflake lock whose heartbeat stopped is also taken over
    by the next load after 5 minutes. DuckDB's lock is released by the OS with its process.
    """
    from fleetlake.warehouse import unlock_warehouse

    config = app.config(warehouse_target=target, warehouse_path=warehouse_path)
    released = unlock_warehouse(config)
    if released is None:
        click.echo(f"warehouse ({config.warehouse_target}): no load holds the lock")
    else:
        click.echo(f"warehouse ({config.warehouse_target}): released the lock held by {released}")
