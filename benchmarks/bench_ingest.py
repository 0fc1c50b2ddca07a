"""Sustained ingest through the local gateway, moto behind it, 16 clients; then a gateway crash.

    .venv/bin/python benchmarks/bench_ingest.py [--lake PATH] [--events 60000] [--concurrency 16]

Without ``--lake``, generates one under the temp dir (seed 42, sf 0.2 = 40 vehicles, 30 days
from 2024-01-01). Starts moto in a child process and ``fleetlake serve`` in another (so the
gateway can be killed while the data survives), and replays the lake's last days as GPS pings
(one a minute) and delivery updates, capped at ``--events``:

1. load: all events from ``--concurrency`` clients; prints events/s accepted (target >= 1,000)
   and latency percentiles per request, then checks zero loss: the distinct event ids in S3 are
   exactly the stream's, and DynamoDB ``deliveries_status`` holds every delivery's newest state;
   then times ``compact`` into a scratch lake, and a second ``compact`` (nothing new to read);
2. fault (``--fault-events``, fresh bucket and tables): kill -9 the gateway in the middle of a
   replay, restart it, replay everything again, ``compact`` into a scratch lake, and check that
   every event is in the lake exactly once and DynamoDB holds every delivery's newest state.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

from fleetlake.lake.storage import LocalStorage
from fleetlake.serverless.compaction import compact, parse_raw, read_stream_table
from fleetlake.serverless.dynamo import from_item
from fleetlake.serverless.local import moto_server
from fleetlake.serverless.raw_events import list_raw_keys, read_raw_body
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


class Serve:
    """``fleetlake serve`` in its own process, on a fixed port, against ``names``."""

    def __init__(self, lake: Path, names: ResourceNames) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.lake, self.names = lake, names
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> Serve:
        env = {k: v for k, v in os.environ.items() if k != "FLEETLAKE_API_KEY"}
        env |= self.names.to_env()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "fleetlake.cli",
                "serve",
                "--port",
                str(self.port),
                "--lake",
                str(self.lake),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        line = self.process.stdout.readline()
        if not line.startswith("gateway on"):
            self.process.kill()
            raise SystemExit(f"serve failed: {line}{self.process.stdout.read()}")
        return self

    def stop(self, sig: int = signal.SIGTERM) -> None:
        self.process.send_signal(sig)
        self.process.wait(timeout=20)


def names_for(endpoint: str, tag: str) -> ResourceNames:
    return ResourceNames(
        bucket=f"bench-{tag}",
        deliveries_table=f"deliveries_status_{tag}",
        tracking_table=f"vehicle_tracking_{tag}",
        alerts_table=f"alerts_history_{tag}",
        routes_table=f"routes_waypoints_{tag}",
        endpoint_url=endpoint,
    )


def delivery_states(clients: Clients) -> dict[int, str]:
    states: dict[int, str] = {}
    paginator = clients.dynamodb.get_paginator("scan")
    for page in paginator.paginate(TableName=clients.names.deliveries_table, ConsistentRead=True):
        for item in page["Items"]:
            values = from_item(item)
            states[int(values["delivery_id"])] = values["delivery_status"]
    return states


def yes(ok: bool) -> str:
    return "yes" if ok else "NO"


def load_phase(lake: Path, endpoint: str, stream: list[dict], args) -> bool:
    names = names_for(endpoint, "load")
    serve = Serve(lake, names).start()
    try:
        report = post_stream(serve.url, stream, args.batch_size, args.concurrency)
    finally:
        serve.stop()
    print(f"load: {report.summary()}")
    clients = Clients(names)
    raw = parse_raw({key: read_raw_body(clients, key) for key in list_raw_keys(clients)})
    stored = set(raw.column("event_id").to_pylist())
    s3_ok = stored == {e["event_id"] for e in stream}
    dynamo_ok = delivery_states(clients) == final_delivery_states(stream)
    print(
        f"load: zero loss: S3 events == accepted events: {yes(s3_ok)}; "
        f"DynamoDB newest state of every delivery: {yes(dynamo_ok)}"
    )
    with tempfile.TemporaryDirectory() as scratch:
        storage = LocalStorage(Path(scratch))
        began = time.perf_counter()
        first = compact(clients, storage)
        full = time.perf_counter() - began
        began = time.perf_counter()
        again = compact(clients, storage)
        rerun = time.perf_counter() - began
    print(f"load: compact: {first.summary()} in {full:.2f} s")
    print(
        f"load: compact again: {again.raw_objects} objects read, {again.skipped_objects} already "
        f"compacted, {sum(again.added.values())} rows added in {rerun:.2f} s "
        f"({full / rerun:.0f}x faster than the first)"
    )
    rate = report.events_per_second
    print(
        f"load: {rate:,.0f} events/s accepted with {args.concurrency} clients "
        f"(target {TARGET:,.0f}/s: {'met' if rate >= TARGET else 'MISSED'}, "
        f"ratio {rate / TARGET:.2f})"
    )
    return s3_ok and dynamo_ok and report.failed == report.rejected == 0 and rate >= TARGET


def fault_phase(lake: Path, endpoint: str, stream: list[dict], args) -> bool:
    names = names_for(endpoint, "fault")
    serve = Serve(lake, names).start()
    reports = []
    rate = len(stream) / 6.0  # the replay lasts ~6 s; the gateway dies at ~2 s
    replay = threading.Thread(
        target=lambda: reports.append(
            post_stream(serve.url, stream, args.batch_size, args.concurrency, rate, retries=2)
        )
    )
    replay.start()
    time.sleep(2.0)
    serve.stop(signal.SIGKILL)
    replay.join()
    print(f"fault: killed mid-replay: {reports[0].summary()}")
    serve.start()  # same port, same resources
    try:
        again = post_stream(serve.url, stream, args.batch_size, args.concurrency)
    finally:
        serve.stop()
    print(f"fault: replayed after restart: {again.summary()}")
    with tempfile.TemporaryDirectory() as scratch:
        storage = LocalStorage(Path(scratch))
        report = compact(Clients(names), storage)
        ids = [
            event_id
            for table in ("gps_pings", "delivery_events")
            for event_id in read_stream_table(storage, table).column("event_id").to_pylist()
        ]
    print(f"fault: compact: {report.summary()}")
    once = len(ids) == len(set(ids))
    complete = set(ids) == {e["event_id"] for e in stream}
    states = delivery_states(Clients(names)) == final_delivery_states(stream)
    print(
        f"fault: after compact, no event lost: {yes(complete)}; none double-counted: "
        f"{yes(once)}; DynamoDB newest state of every delivery: {yes(states)}"
    )
    return once and complete and states and again.failed == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lake", type=Path)
    parser.add_argument("--events", type=int, default=60_000)
    parser.add_argument("--fault-events", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args()
    lake = ensure_lake(args.lake)
    stream = lake_stream(str(lake), days=args.days).events
    load, fault = stream[: args.events], stream[args.events : args.events + args.fault_events]
    print(
        f"stream: {len(load):,} events ({len({e['event_id'] for e in load}):,} distinct), "
        f"{len({e.get('vehicle') for e in load})} vehicles, {args.concurrency} clients, "
        f"batches of {args.batch_size}; fault phase: {len(fault):,} more events"
    )
    with moto_server() as endpoint:
        ok = load_phase(lake, endpoint, load, args)
        if fault:
            ok = fault_phase(lake, endpoint, fault, args) and ok
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
