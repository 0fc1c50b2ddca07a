"""``fleetlake serve | load-routes | replay | compact``: the real-time path on this machine."""

from __future__ import annotations

import json
import os
import signal
import sys
import time

import click

from fleetlake.cli.app import handle_errors, main, pass_app

ENDPOINT_HELP = "S3/DynamoDB/SNS endpoint [$AWS_ENDPOINT_URL; none: start moto]."


@main.command("serve")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="Gateway port."
)
@click.option("--endpoint-url", envvar="AWS_ENDPOINT_URL", help=ENDPOINT_HELP)
@click.option("--aws", "real_aws", is_flag=True, help="Use real AWS (no moto, no endpoint).")
@click.option("--lake", help="Lake whose routes are loaded [profile's lake].")
@pass_app
@handle_errors
def serve(app, port: int, endpoint_url: str | None, real_aws: bool, lake: str | None) -> None:
    """Serve the HTTP gateway on 127.0.0.1, invoking the Lambda handlers in-process.

    Starts moto for S3, DynamoDB and SNS unless an endpoint (or --aws) is given; creates the
    bucket, tables and topic; loads the lake's routes. An API key is required when the
    variable named by `api_key_env` is set.
    """
    from fleetlake.serverless.local import local_stack
    from fleetlake.serverless.proxy import expected_api_key

    config = app.config(lake=lake)
    with local_stack(config, port, endpoint_url, start_moto=not real_aws) as stack:
        where = stack.names.endpoint_url or ("AWS" if real_aws else "moto")
        key = "required" if expected_api_key() else f"off (set {config.api_key_env})"
        click.echo(
            f"gateway on {stack.url} (POST /events, GET /deliveries/{{id}}, "
            f"POST /vehicles/{{id}}/eta, POST /routes/{{id}}/deviation); "
            f"S3/DynamoDB/SNS at {where}; {stack.routes_loaded} routes; API key {key}",
            err=False,
        )
        # SIGTERM unwinds like Ctrl-C, so the moto child and the environment are cleaned up.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            click.echo("gateway stopped")


@main.command("load-routes")
@click.option("--endpoint-url", envvar="AWS_ENDPOINT_URL", help="DynamoDB endpoint [AWS].")
@click.option("--lake", help="Lake path or s3:// URI [profile's lake].")
@pass_app
@handle_errors
def load_routes_command(app, endpoint_url: str | None, lake: str | None) -> None:
    """Load the lake's current routes and waypoints into DynamoDB `routes_waypoints`.

    With an endpoint (an emulator) the tables are created first; on AWS the table is the
    deployed one, named by $FLEETLAKE_ROUTES_TABLE.
    """
    from fleetlake.serverless.local import configured_names, load_routes, prepare_resources

    config = app.config(lake=lake)
    if endpoint_url:
        names = prepare_resources(config, endpoint_url)
    else:
        names = configured_names(config, None)
    count = load_routes(config, names)
    click.echo(f"{count} routes loaded into routes_waypoints")


@main.command("replay")
@click.option(
    "--url",
    envvar="FLEETLAKE_GATEWAY_URL",
    default="http://127.0.0.1:8080",
    show_default=True,
    help="Gateway (or API Gateway stage) URL [$FLEETLAKE_GATEWAY_URL].",
)
@click.option("--rate", type=float, help="At most N events per second [unlimited].")
@click.option("--concurrency", type=int, default=16, show_default=True, help="Parallel clients.")
@click.option("--days", type=int, default=1, show_default=True, help="Days of trips to replay.")
@click.option(
    "--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="First day [the last --days]."
)
@click.option("--batch-size", type=int, default=500, show_default=True, help="Events per POST.")
@click.option("--ping-minutes", type=float, default=1.0, show_default=True, help="GPS interval.")
@click.option("--limit", type=int, help="Send at most N events.")
@click.option("--lake", help="Lake path or s3:// URI [profile's lake].")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_app
@handle_errors
def replay(
    app, url, rate, concurrency, days, since, batch_size, ping_minutes, limit, lake, as_json
) -> None:
    """Turn lake trips into GPS pings and delivery updates and POST them to the gateway."""
    from fleetlake.errors import ConfigError
    from fleetlake.serverless.replay import StreamOptions, lake_stream, post_stream

    for name, value in (("days", days), ("concurrency", concurrency), ("batch-size", batch_size)):
        if value < 1:
            raise ConfigError(f"--{name} must be >= 1, got {value}")
    for name, value in (("ping-minutes", ping_minutes), ("rate", rate), ("limit", limit)):
        if value is not None and value <= 0:
            raise ConfigError(f"--{name} must be > 0, got {value}")
    config = app.config(lake=lake)
    options = StreamOptions(ping_minutes=ping_minutes, seed=config.seed)
    replayed = lake_stream(
        config.lake, days, since.date() if since else None, config.s3_endpoint_url, options
    )
    stream = replayed.events[:limit] if limit else replayed.events
    api_key = os.environ.get(config.api_key_env) or None
    report = post_stream(url, stream, batch_size, concurrency, rate, api_key)
    report.route_cities = replayed.route_cities  # the saved results name each alert's route
    click.echo(json.dumps(report.to_dict()) if as_json else report.summary())
    if report.failed:
        raise SystemExit(1)


@main.command("compact")
@click.option("--endpoint-url", envvar="AWS_ENDPOINT_URL", help="S3 endpoint of the raw events.")
@click.option("--lake", help="Lake path or s3:// URI [profile's lake].")
@pass_app
@handle_errors
def compact_command(app, endpoint_url: str | None, lake: str | None) -> None:
    """Move raw events from S3 into the lake (gps_pings, delivery_events). Idempotent.

    Only raw objects not compacted yet are read. Route-deviation alerts whose SNS publish failed
    are published again.
    """
    from fleetlake.lake.storage import open_storage
    from fleetlake.serverless.compaction import compact
    from fleetlake.serverless.local import configured_names, emulator_defaults
    from fleetlake.serverless.resources import Clients, aws_errors
    from fleetlake.serverless.tracking import publish_pending_alerts

    emulator_defaults(endpoint_url)
    config = app.config(lake=lake)
    names = configured_names(config, endpoint_url)
    storage = open_storage(config.lake, config.s3_endpoint_url)
    clients = Clients(names)
    with aws_errors(f"cannot read raw events from s3://{names.bucket}"):
        report = compact(clients, storage)
    click.echo(report.summary())
    with aws_errors(f"cannot publish pending alerts of {names.alerts_table}"):
        published, pending = publish_pending_alerts(clients)
    if published or pending:
        click.echo(f"alerts: {published} pending published on SNS, {pending} still pending")
