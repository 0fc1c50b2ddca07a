"""The report as a user sees it: rendered by a real headless Chromium, offline, without errors."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from fleetlake.config import Config
from fleetlake.lake.validate import ValidationReport
from fleetlake.report.dataflow import dataflow_section
from fleetlake.report.kpis import kpi_section
from fleetlake.report.page import render_html
from fleetlake.report.postgres import postgres_section
from fleetlake.report.quality import quality_section
from fleetlake.report.serverless import serverless_section
from fleetlake.report.warehouse import warehouse_section
from tests.report.cdp import Browser, chromium_binary
from tests.report.kpi_tables import AS_OF, kpi_results
from tests.report.sources import REPLAY, fake_lake, make_warehouse, write_results

SECTIONS = ["kpis", "quality", "postgres", "warehouse", "serverless", "dataflow"]
CHARTS = (
    [f"kpi-{n:02d}" for n in range(1, 13)]
    + ["dq-validate", "dq-rows", "dq-monthly", "dq-calendar", "pg-timings", "pg-indexes"]
    + [
        "wh-versions",
        "wh-runs",
        "wh-rejects",
        "sl-events",
        "sl-latency",
        "sl-rejections",
        "sl-alerts",
        "dataflow",
    ]
)
PAGE_FACTS = """JSON.stringify({
  sections: Array.from(document.querySelectorAll('section')).map(
    s => [s.dataset.section, s.dataset.status]),
  charts: Array.from(document.querySelectorAll('svg.chart')).map(svg => {
    const box = svg.getBoundingClientRect();
    return [svg.dataset.chart, Math.round(box.width), Math.round(box.height),
            svg.querySelectorAll('.mark, g.node').length,
            svg.querySelector('title').textContent, svg.querySelector('.chart-title').textContent];
  }),
  tables: document.querySelectorAll('figure table').length,
  title: document.title,
})"""

# Every data mark of the alerts map as the browser laid it out: (series, label, value, w, h).
ALERT_MARKS = """JSON.stringify(Array.from(
  document.querySelectorAll('svg[data-chart="sl-alerts"] .mark')).map(m => {
    const box = m.getBoundingClientRect();
    return [m.dataset.series, m.dataset.label, Number(m.dataset.value),
            Math.round(box.width), Math.round(box.height)];
  }))"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    if chromium_binary() is None:
        pytest.fail("chromium is not installed: apt-get install chromium (.ci/run does it)")
    b = Browser(tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield b
    finally:
        b.close()


def render_in_browser(browser: Browser, page: Path, screenshot: Path) -> dict:
    """Load ``page``; return what the page holds; fail on any request or error; save a PNG."""
    browser.requests.clear()
    browser.errors.clear()
    browser.load(page.resolve().as_uri())
    facts = json.loads(browser.evaluate(PAGE_FACTS))
    browser.screenshot(screenshot)
    print(f"screenshot: {screenshot}")
    assert browser.requests == [page.resolve().as_uri()], "the page made network requests"
    assert browser.errors == []
    return facts


def test_every_section_and_chart_renders_offline(browser: Browser, tmp_path: Path) -> None:
    write_results(tmp_path / "reports")
    sections = [
        kpi_section(kpi_results(), AS_OF),
        quality_section(fake_lake(), ValidationReport("/data/lake", ["keys"])),
        postgres_section(tmp_path / "reports" / "pg_explain.json"),
        warehouse_section(Config(warehouse_path=str(make_warehouse(tmp_path / "wh.duckdb")))),
        serverless_section(tmp_path / "reports" / "replay.json"),
        dataflow_section(Config()),
    ]
    page = tmp_path / "report.html"
    page.write_text(render_html("fleetlake report", ["test"], sections), encoding="utf-8")
    facts = render_in_browser(browser, page, tmp_path / "report.png")
    assert facts["sections"] == [[s, "ok"] for s in SECTIONS]
    drawn = {chart: (w, h, marks) for chart, w, h, marks, _, _ in facts["charts"]}
    assert sorted(drawn) == sorted(CHARTS)
    for chart, _, _, _, accessible_title, visible_title in facts["charts"]:
        assert accessible_title and accessible_title == visible_title, chart
    for chart, (width, height, marks) in drawn.items():
        assert width > 300 and height > 60, chart
        if chart != "dq-validate":
            assert marks > 0, chart
    assert facts["tables"] >= 20
    assert (tmp_path / "report.png").stat().st_size > 50_000
    alert_marks = json.loads(browser.evaluate(ALERT_MARKS))
    drawn_alerts = {label: v for series, label, v, _, _ in alert_marks if series == "alerts"}
    assert drawn_alerts == {a["alert_id"]: a["off_route_km"] for a in REPLAY["alerts"]}
    per_route = Counter(f"route {a['route_id']}" for a in REPLAY["alerts"])
    drawn_routes = {label: v for series, label, v, _, _ in alert_marks if series != "alerts"}
    assert drawn_routes == {route: float(n) for route, n in per_route.items()}
    assert all(w > 0 and h > 0 for *_, w, h in alert_marks), "a mark of the map is not drawn"


def test_the_report_of_a_real_lake_renders_offline(browser: Browser, built: Path) -> None:
    facts = render_in_browser(browser, built, built.with_suffix(".png"))
    assert [s for s, _ in facts["sections"]] == SECTIONS
    kpi_charts = [c for c, _, _, marks, _, _ in facts["charts"] if c.startswith("kpi-") and marks]
    assert kpi_charts == [f"kpi-{n:02d}" for n in range(1, 13)]


def test_the_harness_catches_requests_and_console_errors(browser: Browser, tmp_path: Path) -> None:
    """Guard for the test above: a page that fetches and logs an error is caught."""
    page = tmp_path / "bad.html"
    page.write_text(
        '<html><body><img src="http://127.0.0.1:9/x.png">'
        '<script>console.error("boom")</script></body></html>'
    )
    browser.requests.clear()
    browser.errors.clear()
    browser.load(page.resolve().as_uri())
    assert "http://127.0.0.1:9/x.png" in browser.requests
    assert any("boom" in e for e in browser.errors)
