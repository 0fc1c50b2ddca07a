"""Partitions appear whole or not at all; reruns replace; bad arguments leave the lake untouched."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fleetlake.errors import ManifestError, StorageError
from fleetlake.lake import open_lake
from fleetlake.lake.validate import validate_lake
from fleetlake.pipeline import generate_lake, simulate_lake
from tests.lake.conftest import assert_same_contents, lake_contents


def tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def lake_copy(tiny_lake, tmp_path) -> Path:
    target = tmp_path / "lake"
    shutil.copytree(tiny_lake, target)
    return target


def test_layout_is_hive_partitioned_zstd_parquet(tiny_lake):
    import pyarrow.parquet as pq

    files = sorted((tiny_lake / "trips").glob("date=*/part-*.parquet"))
    assert files[0].parent.name == "date=2024-01-01" and files[0].name == "part-0.parquet"
    metadata = pq.ParquetFile(files[0]).metadata
    assert metadata.row_group(0).column(0).compression == "ZSTD"
    info = json.loads((tiny_lake / "_lake.json").read_text())
    assert info == {"generator_version": "2", "seed": 42, "sf": 0.01, "start": "2024-01-01"}
    entry = json.loads((tiny_lake / "_manifest" / "date=2024-01-01.json").read_text())
    assert entry["tables"]["trips"]["rows"] == 1 and len(entry["tables"]["trips"]["sha256"]) == 64


def test_forced_rerun_replaces_and_never_duplicates(lake_copy, tiny_contents):
    before = tree_digest(lake_copy)
    result = generate_lake(str(lake_copy), sf=0.01, seed=42, days=730, force=True, workers=2)
    assert result.days_written == 730
    assert tree_digest(lake_copy) == before
    assert_same_contents(lake_contents(str(lake_copy)), tiny_contents)


def test_plain_rerun_finds_everything_published(lake_copy):
    result = generate_lake(str(lake_copy), sf=0.01, seed=42, days=730, workers=2)
    assert (result.days_written, result.days_skipped) == (0, 730)


@pytest.mark.parametrize("change", [{"seed": 7}, {"sf": 0.02}])
def test_another_seed_or_sf_is_refused_and_nothing_changes(lake_copy, change):
    before = tree_digest(lake_copy)
    arguments = {"sf": 0.01, "seed": 42, "days": 730} | change
    with pytest.raises(ManifestError, match=f"generated with {next(iter(change))}="):
        generate_lake(str(lake_copy), **arguments)
    with pytest.raises(ManifestError):
        simulate_lake(str(lake_copy), days=5, **change)
    assert tree_digest(lake_copy) == before


def test_shrinking_the_window_is_refused(lake_copy):
    with pytest.raises(ManifestError, match="would shrink it"):
        generate_lake(str(lake_copy), sf=0.01, seed=42, days=100)


def test_corrupted_manifest_is_a_clear_error(lake_copy):
    (lake_copy / "_lake.json").write_text("{not json")
    with pytest.raises(ManifestError, match="_lake.json is corrupted"):
        open_lake(str(lake_copy))
    with pytest.raises(ManifestError, match="corrupted"):
        simulate_lake(str(lake_copy), days=1)


def test_validate_passes_on_a_generated_lake(tiny_lake):
    report = validate_lake(open_lake(str(tiny_lake)))
    assert report.ok, [str(v) for v in report.violations]
    assert report.rows["trips"] == 1_000 and len(report.checks) > 30


def test_validate_catches_a_corrupted_and_a_missing_file(lake_copy):
    first, second = sorted((lake_copy / "deliveries").glob("date=*/part-0.parquet"))[:2]
    data = bytearray(first.read_bytes())
    data[len(data) // 2] ^= 0xFF
    first.write_bytes(bytes(data))
    second.unlink()
    report = validate_lake(open_lake(str(lake_copy)))
    (violation,) = [v for v in report.violations if v.rule == "manifest: partition files"]
    assert violation.count == 2
    assert any("sha256" in e for e in violation.examples)
    assert any("missing" in e for e in violation.examples)


def test_validate_catches_broken_rules(tmp_path):
    import pyarrow as pa
    import pyarrow.compute as pc

    from fleetlake.lake.storage import LocalStorage
    from fleetlake.lake.writer import encode_days, publish_day

    path = tmp_path / "lake"
    generate_lake(str(path), sf=0.2, seed=3, days=3, workers=1)
    lake = open_lake(str(path))
    entry = lake.manifest.days[1]
    trips = lake.read("trips", entry.day, lake.manifest.days[2].day)
    deliveries = lake.read("deliveries", entry.day, lake.manifest.days[2].day)
    broken_trips = trips.set_column(1, "vehicle_id", pa.array([9999] * len(trips), pa.int32()))
    status = pa.array(["lost"] + deliveries.column("delivery_status").to_pylist()[1:])
    broken_deliveries = deliveries.set_column(8, "delivery_status", status)
    broken_deliveries = pa.concat_tables([broken_deliveries, broken_deliveries.slice(0, 1)])
    tables = {"trips": broken_trips, "deliveries": broken_deliveries}
    (encoded,) = encode_days([entry.day], tables, {n: [t.num_rows] for n, t in tables.items()})
    publish_day(LocalStorage(path), encoded, entry.window_end, entry.open_trips)
    rules = {v.rule for v in validate_lake(open_lake(str(path))).violations}
    assert {
        "trips.vehicle exists at departure",
        "deliveries.delivery_status domain",
        "deliveries.primary key unique",
        "deliveries.tracking_number unique",
    } <= rules
    assert pc.sum(broken_trips.column("vehicle_id")).as_py() > 0


def test_killed_run_keeps_published_partitions_and_the_next_run_completes(tmp_path):
    path = tmp_path / "lake"
    command = [
        sys.executable,
        "-m",
        "fleetlake.cli",
        "gen",
        "--sf",
        "0.3",
        "--days",
        "120",
        "--lake",
        str(path),
        "--workers",
        "2",
    ]
    process = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        entries = list((path / "_manifest").glob("*.json")) if (path / "_manifest").exists() else []
        if len(entries) >= 10:
            break
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    published = len(list((path / "_manifest").glob("*.json")))
    assert 10 <= published < 120, "the kill must land mid-run"
    partial = open_lake(str(path))  # whatever was published reads back whole
    for name in ("trips", "deliveries"):
        assert partial.read(name).num_rows == sum(
            p.rows for p in partial.manifest.partitions.get(name, {}).values()
        )
    result = generate_lake(str(path), sf=0.3, seed=42, days=120, workers=2)
    assert result.days_skipped == published and result.days_written == 120 - published
    reference = tmp_path / "reference"
    generate_lake(str(reference), sf=0.3, seed=42, days=120, workers=2)
    assert_same_contents(lake_contents(str(path)), lake_contents(str(reference)))
    assert validate_lake(open_lake(str(path))).ok


def test_unwritable_path_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StorageError, match="cannot write"):
        generate_lake(str(blocker / "lake"), sf=0.01, days=1)


def test_a_disk_full_write_keeps_the_old_file_and_leaves_no_temporary_one(tmp_path, monkeypatch):
    import errno
    import os

    from fleetlake.lake.storage import LocalStorage

    storage = LocalStorage(tmp_path)
    key = "trips/date=2024-01-01/part-0.parquet"
    storage.write_bytes(key, b"old")

    def full(descriptor, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(StorageError, match="cannot write .*part-0.parquet: No space left"):
        storage.write_bytes(key, b"new")
    assert [p.name for p in (tmp_path / "trips/date=2024-01-01").iterdir()] == ["part-0.parquet"]
    assert (tmp_path / key).read_bytes() == b"old"


def test_current_state_is_the_latest_version_per_id_as_of_a_time(small_lake):
    from datetime import datetime

    import duckdb

    lake = open_lake(str(small_lake))
    history = lake.read("vehicles").to_pandas()
    changed = history.groupby("vehicle_id").size().idxmax()  # the vehicle with most versions
    versions = history[history.vehicle_id == changed].sort_values("updated_at")
    assert len(versions) >= 3
    current = lake.current("vehicles").to_pandas().set_index("vehicle_id")
    assert list(current.index) == sorted(history.vehicle_id.unique())
    assert current.loc[changed, "updated_at"] == versions.updated_at.iloc[-1]
    second = versions.updated_at.iloc[1].to_pydatetime()
    as_of = lake.current("vehicles", as_of=second).to_pandas().set_index("vehicle_id")
    assert as_of.loc[changed, "status"] == versions.status.iloc[1]
    con = duckdb.connect()
    lake.register_duckdb(con, as_of=datetime(2024, 1, 1))
    assert con.execute(
        "SELECT count(*), min(updated_at) = max(updated_at) FROM vehicles"
    ).fetchall() == [(len(current), True)]
    with pytest.raises(Exception, match="event table"):
        lake.current("trips")
