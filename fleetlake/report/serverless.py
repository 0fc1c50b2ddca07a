"""The serverless section, from the results the last ``fleetlake replay`` saved (if any).

Like the Postgres section it reads a file and never talks to a service.
"""

from __future__ import annotations

import json
from pathlib import Path

from fleetlake.report import svg
from fleetlake.report.page import NOT_AVAILABLE, NOT_CONFIGURED, OK, Figure, Section, records_table
from fleetlake.report.svg import Series
from fleetlake.report.units import COUNT, MS

REPLAY_JSON = Path("reports") / "replay.json"
TITLE = "Serverless path"
EVENT_COUNTS = ("sent", "accepted", "rejected", "duplicates", "alerts")


def _latencies(document: dict) -> dict[str, float]:
    """Latency percentiles in ms: ``{"latency_ms": {"p50": ..}}`` or flat ``p50_ms`` keys."""
    nested = document.get("latency_ms")
    if isinstance(nested, dict):
        return {k: float(v) for k, v in nested.items() if isinstance(v, int | float)}
    return {
        k.removesuffix("_ms"): float(v)
        for k, v in document.items()
        if k.startswith("p") and k.endswith("_ms") and isinstance(v, int | float)
    }


def serverless_section(path: Path = REPLAY_JSON) -> Section:
    """Events accepted and rejected, and latency percentiles, from the last saved replay."""
    if not path.is_file():
        return Section(
            "serverless",
            TITLE,
            NOT_CONFIGURED,
            f"No saved replay results ({path}): run `fleetlake replay` to fill this section.",
        )
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        counts = [
            (k, float(document[k]))
            for k in EVENT_COUNTS
            if isinstance(document.get(k), int | float)
        ]
        latencies = _latencies(document)
    except (OSError, ValueError, AttributeError, TypeError) as e:
        return Section("serverless", TITLE, NOT_AVAILABLE, f"Cannot read {path}: {e}")
    figures = []
    if counts:
        chart = svg.bar_chart(
            "sl-events",
            "Replay: events by outcome",
            [k for k, _ in counts],
            [Series("events", [v for _, v in counts])],
            COUNT,
            "Events (count)",
        )
        table = records_table(("outcome", "events"), counts, (None, COUNT))
        figures.append(Figure("sl-events", "Events by outcome", chart, table))
    if latencies:
        chart = svg.bar_chart(
            "sl-latency",
            "Replay: request latency percentiles",
            list(latencies),
            [Series("latency", list(latencies.values()))],
            MS,
            "Latency (ms)",
        )
        table = records_table(("percentile", "latency"), list(latencies.items()), (None, MS))
        figures.append(Figure("sl-latency", "Latency percentiles", chart, table))
    if not figures:
        return Section("serverless", TITLE, NOT_AVAILABLE, f"{path} holds no event counts.")
    return Section("serverless", TITLE, OK, f"From {path}.", tuple(figures))
