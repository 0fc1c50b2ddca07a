"""Sustained ingest through the local gateway, moto behind it, 16 clients; zero-loss check.

    .venv/bin/python benchmarks/bench_ingest.py [--lake PATH] [--events 60000] [--concurrency 16]

Without ``--lake``, generates one under the temp dir (seed 42, sf 0.2 = 40 vehicles, 30 days
from 2024-01-01). Starts ``fleetlake serve`` in its own process (which starts moto in another),
replays the lake's last days as GPS pings (one a minute) and delivery updates, capped at
``--events``, then checks:

* zero loss: the distinct event ids in S3 are exactly those of the stream (all accepted);
* DynamoDB ``deliveries_status`` holds the newest state of every delivery in the stream.

Prints events/s accepted, latency percentiles per request and the checks (target >= 1,000/s).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

from fleetlake.serverless.dynamo import from_item
from fleetlake.serverless.raw_events import list_raw_keys, read_raw
from fleetlake.serverless.replay import final_delivery_states, lake_stream, post_stream
from fleetlake.serverless.resources import Clients, ResourceNames

TARGET = 1000.0


def ensure_lake(path: Path | None) -> Path:
    from fleetlake.lake import open_lake
    from fleetlake.pipeline import generate_lake

    path = path or Path(tempfile.gettempdir()) / "fleetlake-bench-ingest" / "lake"
    try:
        open_lake(str(path))
    except Exception:
        print(f"generating {path} (sf 0.2, 30 days)...", flush=True)
        generate_lake(str(path), sf=0.2, seed=42, start=date(2024, 1, 1), days=30)
    return path


def start_serve(lake: Path) -> tuple[subprocess.Popen, str, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
    env.pop("FLEETLAKE_API_KEY", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "fleetlake.cli", "serve", "--port", str(port), "--lake", str(lake)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    line = process.stdout.readline()
    if not line.startswith("gateway on"):
        process.kill()
        raise SystemExit(f"serve failed: {line}{process.stdout.read()}")
    endpoint = line.split("S3/DynamoDB/SNS at ")[1].split(";")[0]
    return process, f"http://127.0.0.1:{port}", endpoint


def verify(endpoint: str, stream: list[dict]) -> tuple[bool, bool]:
    """(S3 holds exactly the stream's events, DynamoDB holds every delivery's newest state)."""
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        os.environ.setdefault(key, value)
    clients = Clients(ResourceNames(endpoint_url=endpoint))
    stored = {r["event_id"] for key in list_raw_keys(clients) for r in read_raw(clients, key)}
    s3_ok = stored == {e["event_id"] for e in stream}
    states: dict[int, str] = {}
    paginator = clients.dynamodb.get_paginator("scan")
    for page in paginator.paginate(TableName=clients.names.deliveries_table, ConsistentRead=True):
        for item in page["Items"]:
            values = from_item(item)
            states[int(values["delivery_id"])] = values["delivery_status"]
    return s3_ok, states == final_delivery_states(stream)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lake", type=Path)
    parser.add_argument("--events", type=int, default=60_000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args()
    lake = ensure_lake(args.lake)
    stream = lake_stream(str(lake), days=args.days)[: args.events]
    vehicles = len({e.get("vehicle") for e in stream})
    print(
        f"stream: {len(stream):,} events ({len({e['event_id'] for e in stream}):,} distinct), "
        f"{vehicles} vehicles, {args.concurrency} clients, batches of {args.batch_size}"
    )
    process, url, endpoint = start_serve(lake)
    try:
        report = post_stream(url, stream, args.batch_size, args.concurrency)
        print(report.summary())
        s3_ok, dynamo_ok = verify(endpoint, stream)
    finally:
        process.terminate()
        process.wait(timeout=20)
    print(
        f"zero loss: S3 events == accepted events: {'yes' if s3_ok else 'NO'}; "
        f"DynamoDB newest state of every delivery: {'yes' if dynamo_ok else 'NO'}"
    )
    rate = report.events_per_second
    print(
        f"ingest: {rate:,.0f} events/s (target {TARGET:,.0f}/s: "
        f"{'met' if rate >= TARGET else 'MISSED'}, ratio {rate / TARGET:.2f})"
    )
    if not (s3_ok and dynamo_ok and report.failed == 0 and report.rejected == 0):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
