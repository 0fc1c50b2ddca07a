"""The commands end to end on a generated lake: load-routes, serve, replay, compact — including a
gateway killed in the middle of a replay."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid

import pytest
from click.testing import CliRunner

from fleetlake.cli import main
from fleetlake.lake.storage import LocalStorage
from fleetlake.schema import CITIES
from fleetlake.serverless.compaction import read_stream_table
from fleetlake.serverless.replay import StreamOptions, final_delivery_states, lake_stream
from fleetlake.serverless.resources import Clients, ResourceNames
from tests.serverless.conftest import scan

pytestmark = pytest.mark.s3  # moto's server on 127.0.0.1 (S3, DynamoDB, SNS)


@pytest.fixture
def names(moto_endpoint, monkeypatch):
    """Unique resource names exported as the commands read them; environment restored after."""
    saved = dict(os.environ)
    tag = uuid.uuid4().hex[:8]
    chosen = ResourceNames(
        bucket=f"cli-{tag}",
        deliveries_table=f"deliveries_{tag}",
        tracking_table=f"tracking_{tag}",
        alerts_table=f"alerts_{tag}",
        routes_table=f"routes_{tag}",
        endpoint_url=moto_endpoint,
    )
    os.environ.update(chosen.to_env())
    os.environ.pop("FLEETLAKE_API_KEY", None)
    yield chosen
    os.environ.clear()
    os.environ.update(saved)


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_load_routes_puts_every_lake_route_with_its_path(names, tiny_lake):
    result = run("load-routes", "--lake", str(tiny_lake))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "50 routes loaded into routes_waypoints"
    routes = scan(Clients(names), names.routes_table)
    assert len(routes) == 50
    assert all(len(r["waypoints"]) >= 2 for r in routes)


def test_replay_and_compact_commands(names, tiny_lake, tmp_path):
    from fleetlake.config import load_config
    from fleetlake.serverless.local import local_stack

    config = load_config(lake=str(tiny_lake), events_bucket=names.bucket)
    with local_stack(config, endpoint_url=names.endpoint_url) as stack:
        result = run(
            "replay", "--url", stack.url, "--lake", str(tiny_lake), "--days", "2", "--json"
        )
        assert result.exit_code == 0, result.output
        report = json.loads(result.output)
    assert report["sent"] == report["accepted"] == len(lake_stream(str(tiny_lake), days=2).events)
    assert report["failed"] == report["rejected"] == 0
    assert set(report["latency_ms"]) == {"p50", "p95", "p99"}
    alerts = scan(Clients(names), names.alerts_table)
    assert sorted(a["alert_id"] for a in report["alerts"]) == sorted(a["alert_id"] for a in alerts)
    assert all({a["origin_city"], a["destination_city"]} <= set(CITIES) for a in report["alerts"])
    lake = tmp_path / "lake"
    first = run("compact", "--lake", str(lake))
    assert first.exit_code == 0, first.output
    assert "gps_pings +" in first.output
    assert "nothing new" in run("compact", "--lake", str(lake)).output


def test_replay_to_an_unreachable_gateway_fails(names, tiny_lake):
    result = run("replay", "--url", "http://127.0.0.1:9", "--lake", str(tiny_lake), "--limit", "50")
    assert result.exit_code == 1
    assert "accepted 0" in result.output and "failed 50" in result.output


def test_compact_without_the_bucket_is_a_one_line_error(names, tmp_path, monkeypatch):
    monkeypatch.setenv("FLEETLAKE_EVENTS_BUCKET", "no-such-bucket-here")
    result = CliRunner().invoke(main, ["compact", "--lake", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert "NoSuchBucket" in result.output


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gateway(port: int, lake) -> subprocess.Popen:
    """``fleetlake serve`` in its own process (so it can be killed), waiting until it serves."""
    process = subprocess.Popen(
        [sys.executable, "-m", "fleetlake.cli", "serve", "--port", str(port), "--lake", str(lake)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    line = process.stdout.readline()
    assert line.startswith("gateway on"), line
    return process


@pytest.mark.slow
def test_gateway_killed_mid_replay_loses_and_double_counts_nothing(names, tiny_lake, tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    options = StreamOptions(duplicate_share=0.02, late_share=0.02)
    stream = lake_stream(str(tiny_lake), days=5, options=options).events
    assert 2000 < len(stream) < 6000
    gateway = start_gateway(port, tiny_lake)
    from fleetlake.serverless.replay import post_stream

    reports = []
    replay = threading.Thread(
        target=lambda: reports.append(
            post_stream(url, stream, batch_size=100, concurrency=4, rate=len(stream) / 6, retries=2)
        )
    )
    replay.start()
    time.sleep(2.0)
    gateway.send_signal(signal.SIGKILL)  # no shutdown, requests in flight are cut
    gateway.wait(timeout=10)
    replay.join(timeout=60)
    interrupted = reports[0]
    assert 0 < interrupted.accepted < len(stream)
    assert interrupted.failed > 0
    gateway = start_gateway(port, tiny_lake)
    try:
        again = post_stream(url, stream, batch_size=100, concurrency=4)
    finally:
        gateway.terminate()
        gateway.wait(timeout=10)
    assert (again.accepted, again.failed, again.rejected) == (len(stream), 0, 0)

    clients = Clients(names)
    states = {
        int(d["delivery_id"]): d["delivery_status"] for d in scan(clients, names.deliveries_table)
    }
    assert states == final_delivery_states(stream)
    result = run("compact", "--lake", str(tmp_path / "lake"))
    assert result.exit_code == 0, result.output
    storage = LocalStorage(tmp_path / "lake")
    ids = [
        event_id
        for table in ("gps_pings", "delivery_events")
        for event_id in read_stream_table(storage, table).column("event_id").to_pylist()
    ]
    assert len(ids) == len(set(ids))  # nothing double-counted
    assert set(ids) == {e["event_id"] for e in stream}  # nothing lost


def test_demo_summary_replays_compacts_and_shows_states_and_alerts(names, tiny_lake, tmp_path):
    import shutil

    from fleetlake.config import load_config
    from fleetlake.serverless import demo_summary

    lake = tmp_path / "lake"
    shutil.copytree(tiny_lake, lake)
    saved = tmp_path / "reports" / "replay.json"
    text = demo_summary(load_config(lake=str(lake)), save_results=saved)
    events = len(lake_stream(str(lake), days=2).events)
    results = json.loads(saved.read_text(encoding="utf-8"))  # what the demo's report shows
    assert results["accepted"] == events
    assert f"route-deviation alerts (alerts_history, SNS): {len(results['alerts'])}" in text
    assert f"replay: sent {events} events" in text
    assert f"accepted {events}, rejected 0, failed 0" in text
    assert "compact: " in text and "gps_pings +" in text
    assert "delivered" in text and "completed=yes" in text
    assert "route-deviation alerts (alerts_history, SNS): " in text
    assert "km off at" in text
    assert read_stream_table(LocalStorage(lake), "gps_pings").num_rows > 0


def test_user_errors_are_one_line(names, tiny_lake):
    result = CliRunner().invoke(main, ["replay", "--lake", str(tiny_lake), "--since", "1999-01-01"])
    assert result.exit_code == 1
    assert result.output.startswith("error: no trips to replay from 1999-01-01")
    for args, message in (
        (["--days", "0"], "error: --days must be >= 1, got 0"),
        (["--ping-minutes", "0"], "error: --ping-minutes must be > 0, got 0.0"),
        (["--url", "localhost:8080"], "error: gateway URL must be http(s)://"),
    ):
        result = CliRunner().invoke(main, ["replay", "--lake", str(tiny_lake), *args])
        assert result.exit_code != 0 and result.output.startswith(message), result.output
        assert "Traceback" not in result.output and "Exception in thread" not in result.output
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(
            main, ["serve", "--port", str(port), "--endpoint-url", names.endpoint_url]
        )
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output
    assert "Traceback" not in result.output
    result = CliRunner().invoke(main, ["serve", "--port", "70000"])  # refused before moto starts
    assert result.exit_code == 2
    assert "Invalid value for '--port': 70000 is not in the range 0<=x<=65535" in result.output
