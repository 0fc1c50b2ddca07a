"""Build the report: gather every section from what exists, render one HTML file, write it.

Only the lake is required: the KPIs and the validation run on it. Every other source (Postgres
explain results, the warehouse, saved replay results) is optional: its section says "not
configured" or "not available" instead of failing the report.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fleetlake.config import Config
from fleetlake.errors import FleetlakeError
from fleetlake.report.dataflow import dataflow_section, postgres_detail
from fleetlake.report.kpis import kpi_section
from fleetlake.report.page import Section, render_html
from fleetlake.report.postgres import EXPLAIN_JSON, postgres_section
from fleetlake.report.quality import quality_section
from fleetlake.report.serverless import REPLAY_JSON, serverless_section
from fleetlake.report.warehouse import warehouse_section

TITLE = "fleetlake report"
RESULTS_DIR = REPLAY_JSON.parent  # where `pg explain` and `replay --json` results are saved


def collect_sections(
    config: Config, as_of: dt.date | None = None, results_dir: Path = RESULTS_DIR
) -> tuple[dt.date, list[Section]]:
    """The as-of date used and every section, in reading order; ``results_dir`` holds the
    saved ``pg explain`` and ``replay`` results.

    Raises ``LakeError`` if the lake is absent and ``ConfigError`` for an as-of outside the data.
    """
    from fleetlake.kpi import run_kpis
    from fleetlake.kpi.run import checked_as_of
    from fleetlake.lake import open_lake
    from fleetlake.lake.saved_validation import validation_of

    lake = open_lake(config.lake, endpoint_url=config.s3_endpoint_url)
    effective = checked_as_of(as_of, lake.manifest.start, lake.manifest.end)
    # Validation and the KPI cache each read the lake's partitions on a first build: both
    # mostly wait on pyarrow and DuckDB, which release the GIL, so a second thread overlaps them.
    stop = threading.Event()
    with ThreadPoolExecutor(max_workers=1) as pool:
        validation = pool.submit(validation_of, lake, stop)
        try:
            results = run_kpis(lake, effective, tolerance_minutes=config.on_time_tolerance_minutes)
            report = validation.result()
        except BaseException:  # a KPI error or Ctrl-C: the error now, not after validating
            stop.set()
            raise
    return effective, [
        kpi_section(results, effective),
        quality_section(lake, report),
        postgres_section(results_dir / EXPLAIN_JSON.name, configured=postgres_detail(config)[1]),
        warehouse_section(config),
        serverless_section(results_dir / REPLAY_JSON.name),
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


def build_report(
    config: Config,
    out: Path | str,
    as_of: dt.date | None = None,
    results_dir: Path = RESULTS_DIR,
) -> Path:
    """Write the HTML report for ``config`` to ``out`` and return its path; the saved results
    of ``pg explain`` and ``replay`` are read from the directory ``results_dir``."""
    out = Path(out)
    _check_writable(out)
    started = time.perf_counter()
    effective, sections = collect_sections(config, as_of, Path(results_dir))
    facts = [
        f"Lake {config.lake} · profile '{config.profile}' · KPIs as of {effective}"
        + ("" if as_of else " (the last date in the lake)"),
        f"Generated {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC in "
        f"{time.perf_counter() - started:.2f} s. Works offline: no scripts, no external files.",
    ]
    write_atomically(out, render_html(TITLE, facts, sections))
    return out
