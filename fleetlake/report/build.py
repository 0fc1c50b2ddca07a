"""Build the report: gather every section from what exists, render one HTML file, write it.

Only the lake is required. Every other source (KPIs, validation, Postgres explain results, the
warehouse, saved replay results) is optional: its section says "not configured" or "not
available" instead of failing the report.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from pathlib import Path

from fleetlake.config import Config
from fleetlake.errors import FleetlakeError
from fleetlake.report.dataflow import dataflow_section
from fleetlake.report.kpis import kpi_section
from fleetlake.report.page import NOT_AVAILABLE, Section, render_html
from fleetlake.report.postgres import postgres_section
from fleetlake.report.quality import quality_section
from fleetlake.report.serverless import serverless_section
from fleetlake.report.warehouse import warehouse_section

TITLE = "fleetlake report"


def _kpis(lake: object, as_of: dt.date | None) -> Section:
    try:
        from fleetlake.kpi import run_kpis
    except ImportError as e:
        return Section("kpis", "KPIs", NOT_AVAILABLE, f"The KPI module is not available ({e}).")
    return kpi_section(run_kpis(lake, as_of=as_of), as_of)


def _quality(lake: object) -> Section:
    try:
        from fleetlake.lake.validate import validate_lake
    except ImportError as e:
        return quality_section(lake, None, f"fleetlake.lake.validate is not available ({e})")
    return quality_section(lake, validate_lake(lake))


def collect_sections(config: Config, as_of: dt.date | None = None) -> list[Section]:
    """Every section of the report, in reading order; raises ``LakeError`` if the lake is absent."""
    from fleetlake.lake import open_lake

    lake = open_lake(config.lake, endpoint_url=config.s3_endpoint_url)
    return [
        _kpis(lake, as_of),
        _quality(lake),
        postgres_section(),
        warehouse_section(config),
        serverless_section(),
        dataflow_section(config),
    ]


def _check_writable(out: Path) -> None:
    """Fail before the work if the file obviously cannot be written."""
    parent = out.parent
    if out.is_dir():
        raise FleetlakeError(f"cannot write the report to {out}: it is a directory")
    if not parent.is_dir():
        raise FleetlakeError(f"cannot write the report to {out}: {parent} is not a directory")
    if not os.access(parent, os.W_OK):
        raise FleetlakeError(f"cannot write the report to {out}: {parent} is not writable")


def write_atomically(out: Path, text: str) -> None:
    """Write to a temporary file next to ``out``, then rename: no half-written report."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    except OSError as e:
        raise FleetlakeError(f"cannot write the report to {out}: {e.strerror}") from e
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; a report is meant to be shared
        os.replace(tmp, out)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise FleetlakeError(f"cannot write the report to {out}: {e.strerror}") from e


def build_report(config: Config, out: Path | str, as_of: dt.date | None = None) -> Path:
    """Write the HTML report for ``config`` to ``out`` and return its path."""
    out = Path(out)
    _check_writable(out)
    started = time.perf_counter()
    sections = collect_sections(config, as_of)
    facts = [
        f"Lake {config.lake} · profile '{config.profile}' · "
        + (f"as of {as_of}" if as_of else "as of the last date in the lake"),
        f"Generated {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC in "
        f"{time.perf_counter() - started:.2f} s. Works offline: no scripts, no external files.",
    ]
    write_atomically(out, render_html(TITLE, facts, sections))
    return out
