"""Commands over the lake: gen, simulate, validate, demo."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from datetime import date, datetime

import click

from fleetlake.cli.app import AppContext, handle_errors, main, pass_app
from fleetlake.errors import ConfigError, ValidationError


def parse_date(value: str, option: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise ConfigError(f"{option} must be a date YYYY-MM-DD, got '{value}'") from None


@contextmanager
def progress_bar(enabled: bool, label: str):
    """A rich progress bar on a terminal; a no-op callback otherwise."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def print_result(result, as_json: bool) -> None:
    if as_json:
        click.echo(
            json.dumps(
                {
                    "lake": result.lake,
                    "seed": result.seed,
                    "sf": result.sf,
                    "start": result.start.isoformat(),
                    "end": result.end.isoformat(),
                    "days_written": result.days_written,
                    "days_skipped": result.days_skipped,
                    "partitions_written": result.partitions_written,
                    "rows": result.rows,
                    "rows_written": result.rows_written,
                    "seconds": round(result.seconds, 3),
                },
                indent=2,
            )
        )
        return
    click.echo(
        f"lake {result.lake}: {result.start} .. {result.end} (exclusive), "
        f"seed {result.seed}, sf {result.sf:g}"
    )
    click.echo(
        f"wrote {result.days_written} day(s), {result.partitions_written} partitions, "
        f"{result.rows_written:,} rows in {result.seconds:.2f} s"
        + (f"; {result.days_skipped} day(s) already published" if result.days_skipped else "")
    )
    for name, rows in result.rows.items():
        click.echo(f"  {name:<12} {rows:>12,}")


@main.command()
@click.option("--sf", type=float, default=1.0, show_default=True, help="Scale factor.")
@click.option("--seed", type=int, help="Random seed [profile, 42].")
@click.option("--start", default="2024-01-01", show_default=True, help="First day, YYYY-MM-DD.")
@click.option("--days", type=int, default=730, show_default=True, help="Days in the window.")
@click.option("--lake", help="Lake path or s3://bucket/prefix [profile, ./lake].")
@click.option("--workers", type=int, help="Worker processes [one per core].")
@click.option(
    "--shard",
    default="1/1",
    show_default=True,
    help="Write only shard K of N (contiguous day ranges), e.g. 2/4.",
)
@click.option("--force", is_flag=True, help="Rewrite days already published for this window.")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary.")
@pass_app
@handle_errors
def gen(app: AppContext, sf, seed, start, days, lake, workers, shard, force, as_json) -> None:
    """Generate the fleet company into a date-partitioned Parquet lake."""
    from fleetlake.pipeline import Shard, generate_lake

    config = app.config(seed=seed, lake=lake, workers=workers)
    with progress_bar(not as_json, "generating") as progress:
        result = generate_lake(
            config.lake,
            sf=sf,
            seed=config.seed,
            start=parse_date(start, "--start"),
            days=days,
            workers=config.workers,
            shard=Shard.parse(shard),
            endpoint_url=config.s3_endpoint_url,
            force=force,
            progress=progress,
        )
    print_result(result, as_json)


@main.command()
@click.option("--days", type=int, required=True, help="Days to append.")
@click.option("--lake", help="Lake path or s3://bucket/prefix [profile, ./lake].")
@click.option("--seed", type=int, help="Expected seed (refused if the lake differs).")
@click.option("--sf", type=float, help="Expected scale factor (refused if the lake differs).")
@click.option("--workers", type=int, help="Worker processes [one per core].")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary.")
@pass_app
@handle_errors
def simulate(app: AppContext, days, lake, seed, sf, workers, as_json) -> None:
    """Append the next DAYS days to an existing lake, continuing from its manifest."""
    from fleetlake.pipeline import simulate_lake

    config = app.config(lake=lake, workers=workers)
    with progress_bar(not as_json, "simulating") as progress:
        result = simulate_lake(
            config.lake,
            days=days,
            workers=config.workers,
            seed=seed,
            sf=sf,
            endpoint_url=config.s3_endpoint_url,
            progress=progress,
        )
    print_result(result, as_json)


@main.command()
@click.option("--lake", help="Lake path or s3://bucket/prefix [profile, ./lake].")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_app
@handle_errors
def validate(app: AppContext, lake, as_json) -> None:
    """Check a lake: manifest, keys, point-in-time foreign keys, time order, weights, domains."""
    from fleetlake.lake import open_lake
    from fleetlake.lake.saved_validation import validate_and_save

    config = app.config(lake=lake)
    opened = open_lake(config.lake, config.s3_endpoint_url)
    report = validate_and_save(opened)  # the report and `--validate` loads of this content reuse it
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        total = sum(report.rows.values())
        click.echo(
            f"lake {report.lake}: {len(report.checks)} checks on {total:,} rows in "
            f"{sum(report.partitions.values())} partitions"
        )
        for violation in report.violations:
            click.secho(f"  FAIL {violation}", fg="red")
    if not report.ok:
        raise ValidationError(f"{len(report.violations)} rule(s) violated in {report.lake}")
    if not as_json:
        click.echo("  all checks passed")


@main.command()
@click.option(
    "--dir",
    "directory",
    default="./fleetlake-demo",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Where the demo lake, warehouse and report go.",
)
@click.option("--sf", type=float, default=0.1, show_default=True, help="Scale factor.")
@pass_app
@handle_errors
def demo(app: AppContext, directory, sf) -> None:
    """Run the whole pipeline on the embedded defaults: gen, validate, KPIs, warehouse, report."""
    from pathlib import Path

    from fleetlake.pipeline import run_demo

    run_demo(app.config(), Path(directory), sf, click.echo)
