"""``fleetlake report``: write the HTML report."""

from __future__ import annotations

from pathlib import Path

import click

from fleetlake.cli.app import handle_errors, main, pass_app


@main.command("report")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("report.html"),
    show_default=True,
    help="Where to write the HTML file.",
)
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Date the KPI windows end on [last date in the lake].",
)
@click.option("--lake", help="Lake path or s3:// URI [profile's lake].")
@click.option(
    "--results",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("reports"),
    show_default=True,
    help="Directory of the saved `pg explain` and `replay --json` results.",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the report in a browser.")
@pass_app
@handle_errors
def report(app, out: Path, as_of, lake: str | None, results: Path, open_browser: bool) -> None:
    """Write one offline HTML report: KPIs, data quality, Postgres, warehouse, serverless (events,
    latency, alerts map), data flow."""
    from fleetlake.report import build_report

    path = build_report(app.config(lake=lake), out, as_of.date() if as_of else None, results)
    click.echo(f"report written to {path}")
    if open_browser:
        import webbrowser

        webbrowser.open(path.resolve().as_uri())
