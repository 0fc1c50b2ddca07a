"""The serverless section, from the results of a ``fleetlake replay`` saved as JSON.

``fleetlake replay --json > reports/replay.json`` saves them (``ReplayReport.to_dict``). Like
the Postgres section, this reads a file and never talks to a service.
"""

from __future__ import annotations

import json
from pathlib import Path

from fleetlake.report import svg
from fleetlake.report.page import (
    NOT_AVAILABLE,
    NOT_CONFIGURED,
    OK,
    SAVED_RESULT_ERRORS,
    Figure,
    Section,
    records_table,
)
from fleetlake.report.svg import Series
from fleetlake.report.units import COUNT, MS

REPLAY_JSON = Path("reports") / "replay.json"
TITLE = "Serverless path"
EVENT_COUNTS = ("sent", "accepted", "rejected", "failed")


def _latencies(document: dict) -> dict[str, float]:
    """Latency percentiles in ms, ``{"p50": ..., "p95": ..., "p99": ...}``."""
    nested = document.get("latency_ms") or {}
    return {k: float(v) for k, v in nested.items() if isinstance(v, int | float)}


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
        return _replay_section(path, json.loads(path.read_text(encoding="utf-8")))
    except SAVED_RESULT_ERRORS as e:
        return Section("serverless", TITLE, NOT_AVAILABLE, f"Cannot read {path}: {e!r}")


def _replay_section(path: Path, document: dict) -> Section:
    counts = [
        (k, float(document[k])) for k in EVENT_COUNTS if isinstance(document.get(k), int | float)
    ]
    latencies = _latencies(document)
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
    rejections = document.get("rejections") or {}
    if rejections:
        reasons = sorted(rejections, key=lambda r: (-rejections[r], r))
        counts_by_reason = [float(rejections[r]) for r in reasons]
        chart = svg.bar_chart(
            "sl-rejections",
            "Replay: rejected events by reason",
            reasons,
            [Series("rejected", counts_by_reason)],
            COUNT,
            "Rejected events (count)",
        )
        table = records_table(
            ("reason", "events"), list(zip(reasons, counts_by_reason, strict=True)), (None, COUNT)
        )
        figures.append(Figure("sl-rejections", "Rejections by reason", chart, table))
    if not figures:
        return Section("serverless", TITLE, NOT_AVAILABLE, f"{path} holds no event counts.")
    rate = document.get("events_per_second")
    intro = f"From {path}" + (f": {rate:,.0f} events/s accepted." if rate else ".")
    return Section("serverless", TITLE, OK, intro, tuple(figures))
