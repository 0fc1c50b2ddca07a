"""An S3 lake (moto) feeds the KPIs and the PostgreSQL copy exactly like a local one."""

from __future__ import annotations

from datetime import date

import pytest

from fleetlake.kpi import run_kpis
from fleetlake.kpi.cache import cache_file
from fleetlake.kpi.check import check_kpis
from fleetlake.lake import open_lake
from fleetlake.oltp.load import load_lake
from fleetlake.pipeline import generate_lake


@pytest.mark.s3
@pytest.mark.postgres
def test_s3_lake_to_kpis_and_postgres(moto_endpoint, s3_bucket, pg_db, tmp_path, monkeypatch):
    monkeypatch.setenv("FLEETLAKE_CACHE_DIR", str(tmp_path / "cache"))
    uri = f"s3://{s3_bucket}/lake"
    generate_lake(
        uri,
        sf=0.01,
        seed=42,
        start=date(2024, 1, 1),
        days=45,
        workers=1,
        endpoint_url=moto_endpoint,
    )
    lake = open_lake(uri, endpoint_url=moto_endpoint)

    results = run_kpis(lake, names=["q03"])
    assert cache_file(lake).parent == tmp_path / "cache" / "kpi"
    assert cache_file(lake).is_file()
    trips = lake.read("trips").num_rows
    assert sum(results["q03_trips_by_status"].column("trips").to_pylist()) == trips

    loaded = load_lake(lake, pg_db)
    assert loaded.rows["trips"] == trips
    assert check_kpis(lake, pg_db).ok
