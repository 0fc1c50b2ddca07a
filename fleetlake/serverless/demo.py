"""The serverless step of the quick-start demo: a short replay through the local stack."""

from __future__ import annotations

import importlib.util
import json
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fleetlake.config import Config

DEMO_EVENTS = 5000


def demo_summary(
    config: Config, days: int = 2, limit: int = DEMO_EVENTS, save_results: Path | None = None
) -> str:
    """Replay the lake's last ``days`` days (at most ``limit`` events) through the gateway,
    against a fresh moto server, then compact the raw events into the lake. ``save_results``:
    where to write the replay's results as ``fleetlake replay --json`` does (for the report).

    Returns a short text: the replay figures, the compaction, a few delivery states read back
    through the API, the route-deviation alerts and one vehicle's ETA.
    """
    if not all(importlib.util.find_spec(m) for m in ("boto3", "moto")):
        return "skipped: needs boto3 and moto (pip install 'fleetlake[serverless]')"
    from fleetlake.lake.storage import open_storage
    from fleetlake.serverless.compaction import compact
    from fleetlake.serverless.dynamo import from_item
    from fleetlake.serverless.local import local_stack
    from fleetlake.serverless.replay import (
        StreamOptions,
        final_delivery_states,
        lake_stream,
        post_stream,
    )

    # A demo should show alerts: more trips leave their route than in a default replay.
    options = StreamOptions(seed=config.seed, deviation_share=0.3)
    replayed = lake_stream(config.lake, days, endpoint_url=config.s3_endpoint_url, options=options)
    stream = replayed.events[:limit]
    with local_stack(config) as s:
        report = post_stream(s.url, stream, batch_size=250, concurrency=16)
        clients = s.clients
        compaction = compact(clients, open_storage(config.lake, config.s3_endpoint_url))
        one_per_status = {v: k for k, v in sorted(final_delivery_states(stream).items())}
        deliveries = sorted(one_per_status.values())[:5]
        states = [_get(f"{s.url}/deliveries/{d}") for d in deliveries]
        alerts = sorted(
            (from_item(i) for i in _scan(clients, clients.names.alerts_table)),
            key=lambda a: a["time"],
        )
        vehicle = next((e["vehicle"] for e in reversed(stream) if e["type"] == "gps"), None)
        eta = _post(f"{s.url}/vehicles/{vehicle}/eta") if vehicle else None
    if save_results:
        report.route_cities = replayed.route_cities
        save_results.parent.mkdir(parents=True, exist_ok=True)
        save_results.write_text(json.dumps(report.to_dict()), encoding="utf-8")
    lines = [f"replay: {report.summary()}", f"compact: {compaction.summary()}"]
    lines.append("deliveries (GET /deliveries/{id}):")
    lines += [
        f"  {d['delivery_id']:>6} {d['status']:<11} at {d['event_time'][:19]} "
        f"completed={'yes' if d['completed'] else 'no'}"
        for d in states
    ]
    lines.append(f"route-deviation alerts (alerts_history, SNS): {len(alerts)}")
    lines += [
        f"  vehicle {int(a['vehicle_id']):>3} trip {int(a['trip_id']):>6} route "
        f"{int(a['route_id']):>2}: {float(a['off_route_km']):.1f} km off at {a['time'][:19]}"
        for a in alerts[:3]
    ]
    if eta:
        lines.append(
            f"ETA vehicle {vehicle} (trip {eta['trip_id']}): "
            f"{float(eta['distance_to_destination_km']):.1f} km to go, arrives {eta['eta'][:19]}"
        )
    return "\n".join(lines)


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as reply:
        return json.loads(reply.read())


def _post(url: str) -> dict:
    request = urllib.request.Request(url, data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=30) as reply:
        return json.loads(reply.read())


def _scan(clients, table: str) -> list[dict]:
    return list(clients.dynamodb.scan(TableName=table, ConsistentRead=True)["Items"])
