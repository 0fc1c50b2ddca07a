"""Incremental loads from a generated lake: watermark, simulate, bad input, both targets agree."""

from __future__ import annotations

from pathlib import Path

import pytest

from fleetlake.config import Config
from fleetlake.errors import DatabaseError, ValidationError
from fleetlake.pipeline import simulate_lake
from fleetlake.warehouse import load_warehouse, warehouse_status
from fleetlake.warehouse.model import DIMENSIONS
from fleetlake.warehouse.targets.duckdb import DuckDBTarget
from tests.warehouse.helpers import assert_scd2_invariants, table_rows

# Facts compared by content: natural ids and the validity start of the versions they point to.
FACT_CONTENT = """
    SELECT f.delivery_id, f.trip_id, f.tracking_number, f.date_key, f.scheduled_time_key,
           f.delivered_time_key, f.package_weight_kg, f.distance_km, f.delay_minutes,
           f.deliveries_per_hour, f.cost_per_delivery, f.revenue_per_delivery, f.is_on_time,
           f.delivery_status, f.event_at, v.vehicle_id, v.valid_from, d.driver_id, d.valid_from,
           r.route_id, c.customer_id
    FROM fact_deliveries f
    JOIN dim_vehicle v ON v.vehicle_key = f.vehicle_key
    JOIN dim_driver d ON d.driver_key = f.driver_key
    JOIN dim_route r ON r.route_key = f.route_key
    JOIN dim_customer c ON c.customer_key = f.customer_key
    ORDER BY f.delivery_id
"""
DIM_CONTENT = "SELECT vehicle_id, status, valid_from, valid_to, is_current FROM dim_vehicle"


def config_for(lake: Path, tmp_path: Path, name: str = "warehouse.duckdb") -> Config:
    return Config(lake=str(lake), warehouse_path=str(tmp_path / name))


def snapshot(config: Config) -> dict[str, list[tuple]]:
    target = DuckDBTarget(config.warehouse_path)
    try:
        return {
            t: table_rows(target, t)
            for t in (
                "dim_vehicle",
                "dim_driver",
                "fact_deliveries",
                "etl_runs",
                "etl_watermark",
                "etl_rejects",
            )
        }
    finally:
        target.close()


def test_incremental_loads_equal_one_full_load(lake_copy: Path, tmp_path: Path) -> None:
    from fleetlake.lake import open_lake

    config = config_for(lake_copy, tmp_path)
    first = load_warehouse(config)
    before = open_lake(str(lake_copy)).manifest.partitions
    simulate_lake(str(lake_copy), days=3, workers=1)
    after = open_lake(str(lake_copy)).manifest.partitions
    changed = {
        (t, d)
        for t in ("vehicles", "drivers", "routes", "customers", "trips", "deliveries")
        for d, info in after.get(t, {}).items()
        if before.get(t, {}).get(d) is None or before[t][d].sha256 != info.sha256
    }
    second = load_warehouse(config)
    assert first is not None and second is not None
    assert 0 < second.partitions_read < first.partitions_read
    assert second.rows_updated > 0  # trips under way at the old window end were completed
    assert second.partitions_read >= len(changed)  # new days plus their trips/deliveries pairs
    assert load_warehouse(config) is None  # up to date: nothing read, nothing written

    full = config_for(lake_copy, tmp_path, "full.duckdb")
    load_warehouse(full)
    incremental, rebuilt = DuckDBTarget(config.warehouse_path), DuckDBTarget(full.warehouse_path)
    try:
        deliveries = sum(i.rows for i in after["deliveries"].values())
        assert incremental.query(
            "SELECT COUNT(DISTINCT delivery_id), COUNT(*) FROM fact_deliveries"
        ) == [(deliveries, deliveries)]
        assert incremental.query(FACT_CONTENT) == rebuilt.query(FACT_CONTENT)
        assert sorted(incremental.query(DIM_CONTENT)) == sorted(rebuilt.query(DIM_CONTENT))
        for dim in DIMENSIONS[:2]:
            assert_scd2_invariants(incremental, dim)
    finally:
        incremental.close()
        rebuilt.close()
    status = warehouse_status(config)
    assert [r["run_id"] for r in status["runs"]] == [2, 1]
    assert status["rows"]["fact_deliveries"] == deliveries


@pytest.mark.parametrize(
    "which", ["duckdb", pytest.param("snowflake", marks=pytest.mark.snowflake)]
)
def test_a_fact_table_from_an_older_release_is_upgraded_in_place(
    which: str,
    warehouse_lake: Path,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A warehouse whose facts lack the natural ids and source partition gains them on the next
    load: every event partition is re-read once, facts are rewritten with their keys kept. A
    first load that fails leaves the facts and the watermark as they were (only the new, empty
    columns stay), and the retry does the whole upgrade."""
    from dataclasses import replace

    from fleetlake.warehouse import load
    from fleetlake.warehouse.load import ADDED_FACT_COLUMNS
    from fleetlake.warehouse.targets import open_target

    config, options = config_for(warehouse_lake, tmp_path), {}
    if which == "snowflake":
        config = replace(config, warehouse_target="snowflake")
        options = {"connection": request.getfixturevalue("snowflake_connection")}
    load_warehouse(config, target_options=options)
    keys = "SELECT delivery_id, delivery_key, vehicle_key, driver_key FROM fact_deliveries"
    target = open_target(config, **options)
    try:
        before = sorted(target.query(keys)), target.query(FACT_CONTENT)
        for column, _ in ADDED_FACT_COLUMNS:
            target.execute(f"ALTER TABLE fact_deliveries DROP COLUMN {column}")
        target.execute("DROP TABLE fact_delivery_events")  # newer than that release too
        old_release = table_rows(target, "fact_deliveries"), table_rows(target, "etl_watermark")
    finally:
        target.close()
    counts = warehouse_status(config, target_options=options)["rows"]  # status before upgrading
    assert "fact_delivery_events" not in counts and counts["fact_deliveries"] == len(before[0])

    def crash_at_fact_insert(target: object, name: str, *args: object) -> None:
        if name == "facts_insert.sql":
            raise RuntimeError("killed inside the load's transaction")
        run_script(target, name, *args)

    run_script = load.run_script
    monkeypatch.setattr(load, "run_script", crash_at_fact_insert)
    with pytest.raises(RuntimeError, match="killed"):
        load_warehouse(config, target_options=options)
    monkeypatch.undo()
    added = tuple(column for column, _ in ADDED_FACT_COLUMNS)
    target = open_target(config, **options)
    try:
        assert table_rows(target, "fact_deliveries", exclude=added) == old_release[0]
        assert table_rows(target, "etl_watermark") == old_release[1]
    finally:
        target.close()

    summary = load_warehouse(config, target_options=options)
    assert summary is not None and summary.rows_inserted == 0
    assert summary.rows_updated == len(before[0])  # every fact rewritten once, none added
    target = open_target(config, **options)
    try:
        assert (sorted(target.query(keys)), target.query(FACT_CONTENT)) == before
        assert target.query(
            "SELECT COUNT(*) FROM fact_deliveries WHERE vehicle_id IS NULL OR driver_id IS NULL "
            "OR route_id IS NULL OR customer_id IS NULL OR partition_date IS NULL"
        ) == [(0,)]
    finally:
        target.close()
    assert load_warehouse(config, target_options=options) is None


def test_the_upgrade_load_removes_old_facts_of_deliveries_gone_from_the_lake(
    warehouse_lake: Path, tmp_path: Path
) -> None:
    """An older release kept the facts of deliveries gone from a rewritten partition. The upgrade
    load re-reads every partition, so such a fact (no partition_date, not staged) is removed and
    the next load is up to date (a fact left without partition_date would ask for a reload)."""
    from fleetlake.warehouse.load import ADDED_FACT_COLUMNS

    config = config_for(warehouse_lake, tmp_path)
    load_warehouse(config)
    target = DuckDBTarget(config.warehouse_path)
    try:
        facts = target.query("SELECT COUNT(*) FROM fact_deliveries")[0][0]
        target.execute(
            "INSERT INTO fact_deliveries SELECT * REPLACE "
            "(delivery_key + 1000000 AS delivery_key, -delivery_id AS delivery_id) "
            "FROM fact_deliveries WHERE delivery_key = 1"
        )
        for column, _ in ADDED_FACT_COLUMNS:
            target.execute(f"ALTER TABLE fact_deliveries DROP COLUMN {column}")
    finally:
        target.close()
    summary = load_warehouse(config)
    assert summary is not None and summary.rows_inserted == 0
    assert summary.rows_updated == facts + 1  # every fact rewritten, the orphan removed
    target = DuckDBTarget(config.warehouse_path)
    try:
        assert target.query("SELECT COUNT(*), MIN(delivery_id) > 0 FROM fact_deliveries") == [
            (facts, True)
        ]
    finally:
        target.close()
    assert load_warehouse(config) is None


def test_a_rewritten_partition_without_a_delivery_loses_its_fact(
    lake_copy: Path, tmp_path: Path
) -> None:
    """A lake partition republished without one delivery (its manifest entry updated, as a
    writer publishes): the next load re-reads the day and the fact of that delivery goes."""
    import hashlib
    import json

    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    config = config_for(lake_copy, tmp_path)
    load_warehouse(config)
    day = "2024-01-10"
    path = lake_copy / "deliveries" / f"date={day}" / "part-0.parquet"
    deliveries = pq.read_table(path)
    gone = deliveries["delivery_id"][0].as_py()
    pq.write_table(deliveries.filter(pc.not_equal(deliveries["delivery_id"], gone)), path)
    entry_path = lake_copy / "_manifest" / f"date={day}.json"
    entry = json.loads(entry_path.read_text())
    entry["tables"]["deliveries"].update(
        rows=deliveries.num_rows - 1, sha256=hashlib.sha256(path.read_bytes()).hexdigest()
    )
    entry_path.write_text(json.dumps(entry))
    summary = load_warehouse(config)
    assert summary is not None and summary.partitions_read == 2  # the day's trips + deliveries
    # Removed: 1; rewritten: the trip's other deliveries (their per-trip measures changed).
    trip = deliveries["trip_id"][0].as_py()
    siblings = pc.sum(pc.equal(deliveries["trip_id"], trip)).as_py() - 1
    assert (summary.rows_inserted, summary.rows_updated) == (0, 1 + siblings)
    target = DuckDBTarget(config.warehouse_path)
    try:
        assert target.query(
            "SELECT COUNT(*) FROM fact_deliveries WHERE delivery_id = ?", [gone]
        ) == [(0,)]
        assert target.query(
            "SELECT COUNT(*) FROM fact_deliveries WHERE partition_date = DATE '2024-01-10'"
        ) == [(deliveries.num_rows - 1,)]
    finally:
        target.close()


def test_corrupted_watermark_is_refused_and_nothing_changes(
    lake_copy: Path, tmp_path: Path
) -> None:
    config = config_for(lake_copy, tmp_path)
    load_warehouse(config)
    target = DuckDBTarget(config.warehouse_path)
    target.execute(
        "UPDATE etl_watermark SET sha256 = 'garbage' WHERE partition_date = DATE '2024-01-05' "
        "AND lake_table = 'trips'"
    )
    target.close()
    simulate_lake(str(lake_copy), days=1, workers=1)
    before = snapshot(config)
    with pytest.raises(DatabaseError, match="watermark is corrupted"):
        load_warehouse(config)
    assert snapshot(config) == before


def test_damaged_lake_file_is_refused_and_nothing_changes(lake_copy: Path, tmp_path: Path) -> None:
    config = config_for(lake_copy, tmp_path)
    load_warehouse(config)
    simulate_lake(str(lake_copy), days=1, workers=1)
    newest = sorted((lake_copy / "deliveries").glob("date=*/*.parquet"))[-1]
    newest.write_bytes(newest.read_bytes()[:-10] + b"0123456789")
    before = snapshot(config)
    with pytest.raises(ValidationError, match="does not match its sha256; run `fleetlake validate"):
        load_warehouse(config)
    assert snapshot(config) == before


def test_routes_are_hash_checked_like_every_other_lake_file(
    lake_copy: Path, tmp_path: Path
) -> None:
    """Routes feed every trip's distance and tolls: a routes file that is valid Parquet but not
    the one the manifest recorded stops the load like any other damaged file."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    config = config_for(lake_copy, tmp_path)
    load_warehouse(config)
    simulate_lake(str(lake_copy), days=1, workers=1)
    path = lake_copy / "routes" / "date=2024-01-01" / "part-0.parquet"
    routes = pq.read_table(path)
    tolls = routes.schema.get_field_index("toll_cost")
    doubled = pc.multiply(routes["toll_cost"], 2).cast(routes.schema.field("toll_cost").type)
    pq.write_table(routes.set_column(tolls, "toll_cost", doubled), path)
    before = snapshot(config)
    with pytest.raises(
        ValidationError, match="lake file routes/date=2024-01-01/part-0.parquet does not match"
    ):
        load_warehouse(config)
    assert snapshot(config) == before


def test_a_partition_with_another_row_count_than_its_manifest_is_refused(
    lake_copy: Path, tmp_path: Path
) -> None:
    import json

    config = config_for(lake_copy, tmp_path)
    load_warehouse(config)
    simulate_lake(str(lake_copy), days=1, workers=1)
    entry_path = sorted((lake_copy / "_manifest").glob("date=*.json"))[-1]
    entry = json.loads(entry_path.read_text())
    rows = entry["tables"]["trips"]["rows"]
    entry["tables"]["trips"]["rows"] = rows + 1
    entry_path.write_text(json.dumps(entry))
    before = snapshot(config)
    with pytest.raises(ValidationError, match=f"has {rows} rows, manifest says {rows + 1}"):
        load_warehouse(config)
    assert snapshot(config) == before


def test_a_second_load_while_one_runs_is_refused(lake_copy: Path, tmp_path: Path) -> None:
    config = config_for(lake_copy, tmp_path)
    holder = DuckDBTarget(config.warehouse_path)
    try:
        with holder.lock():
            with pytest.raises(DatabaseError, match="another warehouse load is running"):
                load_warehouse(config)
    finally:
        holder.close()
    assert load_warehouse(config) is not None


def test_an_unreachable_duckdb_target_is_one_clear_error(lake_copy: Path) -> None:
    config = Config(lake=str(lake_copy), warehouse_path="/proc/no/such/warehouse.duckdb")
    with pytest.raises(DatabaseError, match="cannot open DuckDB warehouse"):
        load_warehouse(config)


@pytest.mark.snowflake
def test_both_targets_end_with_identical_contents(
    warehouse_lake: Path, tmp_path: Path, snowflake_connection: dict
) -> None:
    from dataclasses import replace

    from fleetlake.warehouse.targets.snowflake import SnowflakeTarget

    duck = config_for(warehouse_lake, tmp_path)
    load_warehouse(duck)
    load_warehouse(
        replace(duck, warehouse_target="snowflake"),
        target_options={"connection": snowflake_connection},
    )
    left, right = DuckDBTarget(duck.warehouse_path), SnowflakeTarget(snowflake_connection)
    try:
        for table in (
            "dim_date",
            "dim_time",
            "dim_vehicle",
            "dim_driver",
            "dim_route",
            "dim_customer",
            "fact_deliveries",
            "etl_watermark",
            "etl_rejects",
        ):
            expected = table_rows(left, table, exclude=("etl_timestamp",))
            assert table_rows(right, table, exclude=("etl_timestamp",)) == expected, table
            assert expected or table == "etl_rejects"
        assert not [t for t in right.tables() if t.startswith("stg_")]  # staging cleaned up
    finally:
        left.close()
        right.close()


def test_a_load_in_another_process_makes_the_second_refuse(lake_copy: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    config = config_for(lake_copy, tmp_path)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); print('ready', flush=True); "
         "time.sleep(60)", config.warehouse_path],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with pytest.raises(DatabaseError, match="in use by another process"):
            load_warehouse(config)
    finally:
        holder.kill()
        holder.wait()
    assert load_warehouse(config) is not None


def test_status_of_a_missing_warehouse_is_a_clear_error(tmp_path: Path) -> None:
    config = Config(warehouse_path=str(tmp_path / "none.duckdb"))
    with pytest.raises(DatabaseError, match="no DuckDB warehouse at"):
        warehouse_status(config)
    assert not (tmp_path / "none.duckdb").exists()


@pytest.mark.s3
def test_loads_a_lake_on_s3(moto_endpoint: str, s3_bucket: str, tmp_path: Path) -> None:
    from datetime import date

    from fleetlake.pipeline import generate_lake

    uri = f"s3://{s3_bucket}/lake"
    generate_lake(uri, sf=0.01, seed=42, start=date(2024, 1, 1), days=10, workers=1,
                  endpoint_url=moto_endpoint)  # fmt: skip
    config = Config(lake=uri, s3_endpoint_url=moto_endpoint,
                    warehouse_path=str(tmp_path / "wh.duckdb"))  # fmt: skip
    summary = load_warehouse(config)
    assert summary is not None and summary.rows_rejected == 0 and summary.partitions_read > 10
    assert load_warehouse(config) is None


def test_demo_summary_builds_the_warehouse_and_shows_history(
    warehouse_lake: Path, tmp_path: Path
) -> None:
    from fleetlake.warehouse import demo_summary

    text = demo_summary(config_for(warehouse_lake, tmp_path))
    lines = text.splitlines()
    assert lines[0].startswith(f"warehouse {tmp_path / 'warehouse.duckdb'}: run 1 read ")
    assert lines[1] == "SCD2 history (dim_vehicle, UTC):"
    assert len(lines) >= 4 and "open" in text and " yes" in text
    again = demo_summary(config_for(warehouse_lake, tmp_path)).splitlines()[0]
    assert ": up to date, " in again and again.endswith(" facts")  # nothing new: no reload


@pytest.mark.snowflake
def test_production_profile_with_connections_toml(
    warehouse_lake: Path, tmp_path: Path, snowflake_connection: dict
) -> None:
    """`fleetlake --profile prod warehouse load` in a fresh process: fleetlake.toml names an
    entry of connections.toml (the connector's own file, under SNOWFLAKE_HOME), holds no secret.
    """
    import os
    import subprocess
    import sys

    keys = ("account", "user", "password", "host", "port", "protocol", "database", "schema")
    entry = [
        f"{k} = {v}" if isinstance(v, int) else f'{k} = "{v}"'
        for k, v in ((k, snowflake_connection[k]) for k in keys)
    ]
    home = tmp_path / "snowflake_home"
    home.mkdir()
    (home / "connections.toml").write_text("[fleetlake]\n" + "\n".join(entry) + "\n")
    (home / "connections.toml").chmod(0o600)
    (tmp_path / "fleetlake.toml").write_text(
        f'[profiles.prod]\nlake = "{warehouse_lake}"\nwarehouse_target = "snowflake"\n'
        'snowflake_connection = "fleetlake"\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SNOWFLAKE_", "FLEETLAKE_"))}
    env["SNOWFLAKE_HOME"] = str(home)
    command = [sys.executable, "-c", "from fleetlake.cli import main; main()", "--profile", "prod"]
    loaded = subprocess.run(
        [*command, "warehouse", "load"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.startswith("run 1: ") and "(snowflake)" in loaded.stdout
    status = subprocess.run(
        [*command, "warehouse", "status", "--json"], cwd=tmp_path, env=env, capture_output=True,
        text=True,
    )  # fmt: skip
    assert status.returncode == 0, status.stderr
    assert '"target": "snowflake"' in status.stdout


def test_a_warehouse_refuses_a_different_lake(warehouse_lake: Path, tmp_path: Path) -> None:
    from datetime import date

    from fleetlake.pipeline import generate_lake

    config = config_for(warehouse_lake, tmp_path)
    load_warehouse(config)
    other = tmp_path / "other"
    generate_lake(str(other), sf=0.01, seed=7, start=date(2024, 1, 1), days=5, workers=1)
    before = snapshot(config)
    with pytest.raises(DatabaseError, match="loaded from another lake .seed=42 sf=0.01"):
        load_warehouse(config_for(other, tmp_path))
    assert snapshot(config) == before
