"""The report of a lake on S3 (moto): KPIs read through the S3 endpoint, S3 in the data flow."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from fleetlake.config import Config
from fleetlake.pipeline import generate_lake
from fleetlake.report import build_report
from tests.report.marks import series_values

pytestmark = pytest.mark.s3


def test_report_of_an_s3_lake(
    s3_bucket: str, moto_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLEETLAKE_CACHE_DIR", str(tmp_path / "cache"))  # not the user's cache
    monkeypatch.chdir(tmp_path)
    uri = f"s3://{s3_bucket}/fleet"
    generate_lake(
        uri, sf=0.01, seed=42, start=date(2024, 1, 1), days=40, endpoint_url=moto_endpoint
    )
    config = Config(lake=uri, s3_endpoint_url=moto_endpoint, warehouse_target="snowflake")
    html = build_report(config, tmp_path / "report.html").read_text(encoding="utf-8")
    states = dict(re.findall(r'data-section="([a-z]+)" data-status="([a-z ]+)"', html))
    assert states["kpis"] == "ok" and states["quality"] == "ok"
    assert states["warehouse"] == "not available"  # Snowflake is not read offline
    assert f"S3: {uri}" in html and 'data-node="lake" data-active="true"' in html
    assert sum(series_values(html, "kpi-03", "trips").values()) > 0
    assert list((tmp_path / "cache" / "validation").glob("*.json"))  # saved outside the bucket
