"""The SCD2 and incremental-load contract, run on every target (DuckDB and Snowflake/fakesnow)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from fleetlake.errors import DatabaseError
from fleetlake.warehouse import dimensions
from fleetlake.warehouse.load import apply_batch
from fleetlake.warehouse.model import DIM_DRIVER, DIM_VEHICLE, DIMENSIONS, OPEN_END
from fleetlake.warehouse.targets import Target
from tests.warehouse.helpers import assert_scd2_invariants, load, table_rows, versions
from tests.warehouse.rows import T0, rows

UTC_T0 = T0 + timedelta(hours=5)  # lake times are Colombia (UTC-5); the warehouse stores UTC
AUDIT = ("etl_timestamp",)


def opening(target: Target, *vehicle_ids: int) -> None:
    load(target, vehicles=rows("vehicles", *({"vehicle_id": v} for v in vehicle_ids)))


def trip_at(trip_id: int, when: datetime, **more: object) -> dict[str, object]:
    """A trip record departing and arriving at ``when`` (lake time)."""
    return {"trip_id": trip_id, "departure_datetime": when, "arrival_datetime": when, **more}


def delivery_at(delivery_id: int, when: datetime) -> dict[str, object]:
    """A delivery record of the trip with the same id, scheduled and delivered at ``when``."""
    return {
        "delivery_id": delivery_id,
        "trip_id": delivery_id,
        "scheduled_datetime": when,
        "delivered_datetime": when,
    }


def test_opening_snapshot_gives_one_open_version_per_entity_in_utc(target: Target) -> None:
    summary = load(
        target,
        vehicles=rows("vehicles", {"vehicle_id": 1}, {"vehicle_id": 2}),
        drivers=rows("drivers", {"driver_id": 7}),
    )
    assert summary.rows_inserted == 3 and summary.rows_updated == 0
    assert versions(target, "dim_vehicle", 1) == [(UTC_T0, OPEN_END, True)]
    assert versions(target, "dim_driver", 7) == [(UTC_T0, OPEN_END, True)]
    # Surrogate keys are not natural ids; the unknown member is -1.
    keys = target.query("SELECT vehicle_key, vehicle_id FROM dim_vehicle ORDER BY vehicle_key")
    assert keys == [(-1, -1), (1, 1), (2, 2)]
    for dim in DIMENSIONS:
        assert target.query(f"SELECT COUNT(*) FROM {dim.table} WHERE {dim.key} = -1") == [(1,)]


def test_change_closes_the_old_version_and_opens_a_new_one(target: Target) -> None:
    opening(target, 1, 2)
    changed = T0 + timedelta(days=3, hours=8)
    summary = load(
        target,
        vehicles=rows(
            "vehicles", {"vehicle_id": 1, "status": "maintenance", "updated_at": changed}
        ),
    )
    assert (summary.rows_inserted, summary.rows_updated) == (1, 1)
    utc = changed + timedelta(hours=5)
    assert versions(target, "dim_vehicle", 1, "status") == [
        (UTC_T0, utc, False, "active"),
        (utc, OPEN_END, True, "maintenance"),
    ]
    assert versions(target, "dim_vehicle", 2) == [(UTC_T0, OPEN_END, True)]
    assert_scd2_invariants(target, DIM_VEHICLE)


def test_change_detection_is_null_safe(target: Target) -> None:
    load(target, drivers=rows("drivers", {"driver_id": 1, "phone": None}))
    day = timedelta(days=1)
    # NULL -> NULL (with an unrelated timestamp bump) is not a change.
    load(target, drivers=rows("drivers", {"driver_id": 1, "phone": None, "updated_at": T0 + day}))
    assert len(versions(target, "dim_driver", 1)) == 1
    # NULL -> value is a change, value -> NULL is a change.
    load(
        target,
        drivers=rows("drivers", {"driver_id": 1, "phone": "300", "updated_at": T0 + 2 * day}),
    )
    load(
        target, drivers=rows("drivers", {"driver_id": 1, "phone": None, "updated_at": T0 + 3 * day})
    )
    assert [v[3] for v in versions(target, "dim_driver", 1, "phone")] == [None, "300", None]
    assert_scd2_invariants(target, DIM_DRIVER)


def test_two_changes_of_one_entity_in_one_batch_become_two_versions_in_order(
    target: Target,
) -> None:
    opening(target, 1)
    first, second = T0 + timedelta(days=1, hours=9), T0 + timedelta(days=1, hours=15)
    summary = load(
        target,
        vehicles=rows(
            "vehicles",
            # deliberately out of order in the batch
            {"vehicle_id": 1, "status": "active", "capacity_kg": 900, "updated_at": second},
            {"vehicle_id": 1, "status": "maintenance", "updated_at": first},
        ),
    )
    assert (summary.rows_inserted, summary.rows_updated) == (2, 1)
    got = versions(target, "dim_vehicle", 1, "status")
    assert [(v[0], v[1], v[3]) for v in got] == [
        (UTC_T0, first + timedelta(hours=5), "active"),
        (first + timedelta(hours=5), second + timedelta(hours=5), "maintenance"),
        (second + timedelta(hours=5), OPEN_END, "active"),
    ]
    assert_scd2_invariants(target, DIM_VEHICLE)


def test_conflicting_duplicates_are_rejected_before_writing(target: Target) -> None:
    opening(target, 1, 2)
    when = T0 + timedelta(days=2)
    summary = load(
        target,
        vehicles=rows(
            "vehicles",
            {"vehicle_id": 1, "status": "maintenance", "updated_at": when},
            {"vehicle_id": 1, "status": "inactive", "updated_at": when},
            # exact duplicates are the same fact twice: collapsed deterministically, not rejected
            {"vehicle_id": 2, "status": "maintenance", "updated_at": when},
            {"vehicle_id": 2, "status": "maintenance", "updated_at": when},
        ),
    )
    assert summary.rows_rejected == 2
    assert len(versions(target, "dim_vehicle", 1)) == 1
    assert len(versions(target, "dim_vehicle", 2)) == 2
    rejects = target.query(
        "SELECT source_table, natural_key, reason FROM etl_rejects WHERE run_id = ?",
        [summary.run_id],
    )
    assert (
        rejects
        == [("vehicles", "1", "conflicting duplicate: different rows for one key and updated_at")]
        * 2
    )
    assert_scd2_invariants(target, DIM_VEHICLE)


def test_a_different_row_for_a_loaded_timestamp_is_rejected_not_rewritten(target: Target) -> None:
    opening(target, 1)
    before = table_rows(target, "dim_vehicle")
    summary = load(target, vehicles=rows("vehicles", {"vehicle_id": 1, "status": "maintenance"}))
    assert (summary.rows_inserted, summary.rows_updated, summary.rows_rejected) == (0, 0, 1)
    assert table_rows(target, "dim_vehicle") == before
    assert target.query("SELECT natural_key, reason FROM etl_rejects") == [
        ("1", "conflicts with the loaded version with the same updated_at")
    ]


def test_rerunning_the_same_batch_changes_nothing(target: Target) -> None:
    batch = {
        "vehicles": rows(
            "vehicles",
            {"vehicle_id": 1},
            {"vehicle_id": 1, "status": "maintenance", "updated_at": T0 + timedelta(days=1)},
        ),
        "trips": rows("trips", {"trip_id": 1}),
        "deliveries": rows("deliveries", {"delivery_id": 1}, {"delivery_id": 2}),
    }
    load(target, **batch)
    before = {t: table_rows(target, t) for t in ("dim_vehicle", "fact_deliveries", "dim_date")}
    summary = load(target, **batch)
    assert (summary.rows_inserted, summary.rows_updated, summary.rows_rejected) == (0, 0, 0)
    assert {t: table_rows(target, t) for t in before} == before


def test_a_crash_between_close_and_insert_leaves_the_warehouse_unchanged(
    target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    opening(target, 1)
    before = {t: table_rows(target, t) for t in ("dim_vehicle", "etl_runs", "etl_watermark")}

    def crash(*args: object) -> None:
        raise RuntimeError("killed between close and insert")

    monkeypatch.setattr(dimensions, "insert_new_versions", crash)
    change = rows(
        "vehicles", {"vehicle_id": 1, "status": "inactive", "updated_at": T0 + timedelta(1)}
    )
    with pytest.raises(RuntimeError, match="killed"):
        load(target, vehicles=change)
    assert {t: table_rows(target, t) for t in before} == before
    monkeypatch.undo()
    load(target, vehicles=change)  # the retried run succeeds
    assert [v[3] for v in versions(target, "dim_vehicle", 1, "status")] == ["active", "inactive"]


def test_back_dated_change_lands_in_place_and_facts_are_repointed(target: Target) -> None:
    day = timedelta(days=1)
    load(
        target,
        vehicles=rows(
            "vehicles",
            {"vehicle_id": 1},
            {"vehicle_id": 1, "status": "maintenance", "updated_at": T0 + 4 * day},
        ),
        trips=rows("trips", trip_at(1, T0 + day), trip_at(2, T0 + 3 * day)),
        deliveries=rows(
            "deliveries",
            delivery_at(1, T0 + day + timedelta(hours=10)),
            delivery_at(2, T0 + 3 * day + timedelta(hours=10)),
        ),
    )
    # A change dated day 2 arrives late: it goes between the opening version and day 4's.
    late = load(
        target,
        vehicles=rows(
            "vehicles", {"vehicle_id": 1, "status": "inactive", "updated_at": T0 + 2 * day}
        ),
    )
    assert (late.rows_inserted, late.rows_updated) == (1, 1)
    got = versions(target, "dim_vehicle", 1, "status", "vehicle_key")
    assert [(v[0] - timedelta(hours=5), v[3]) for v in got] == [
        (T0, "active"),
        (T0 + 2 * day, "inactive"),
        (T0 + 4 * day, "maintenance"),
    ]
    assert_scd2_invariants(target, DIM_VEHICLE)
    keys = dict(target.query("SELECT delivery_id, vehicle_key FROM fact_deliveries"))
    assert keys == {1: got[0][4], 2: got[1][4]}  # delivery 2 (day 3) moved to the late version


def test_facts_point_to_the_version_valid_at_event_time_or_unknown(target: Target) -> None:
    day = timedelta(days=1)
    load(
        target,
        vehicles=rows(
            "vehicles",
            {"vehicle_id": 1},
            {"vehicle_id": 1, "status": "maintenance", "updated_at": T0 + 2 * day},
        ),
        trips=rows(
            "trips",
            trip_at(1, T0 + day),
            trip_at(2, T0 + 3 * day, vehicle_id=99),
            trip_at(3, T0 + 3 * day),
        ),
        deliveries=rows(
            "deliveries",
            delivery_at(1, T0 + day),
            delivery_at(2, T0 + 3 * day),
            delivery_at(3, T0 + 3 * day),
        ),
    )
    got = versions(target, "dim_vehicle", 1, "vehicle_key")
    keys = dict(target.query("SELECT delivery_id, vehicle_key FROM fact_deliveries"))
    assert keys == {1: got[0][3], 2: -1, 3: got[1][3]}


def test_late_arriving_members_get_their_keys_point_in_time(target: Target) -> None:
    """Facts loaded before their vehicle, driver, route or customer existed in the warehouse
    sit on the unknown member until the member arrives, then move to the right version."""
    day = timedelta(days=1)
    when = {1: T0 + day + timedelta(hours=10), 2: T0 + 3 * day + timedelta(hours=10)}
    load(
        target,
        trips=rows(
            "trips",
            *(
                {
                    "trip_id": i,
                    "vehicle_id": 5,
                    "driver_id": 7,
                    "route_id": 3,
                    "departure_datetime": when[i] - timedelta(hours=2),
                    "arrival_datetime": when[i] + timedelta(hours=2),
                }
                for i in (1, 2)
            ),
        ),
        deliveries=rows(
            "deliveries",
            *(
                {
                    "delivery_id": i,
                    "trip_id": i,
                    "customer_id": 9,
                    "scheduled_datetime": when[i],
                    "delivered_datetime": when[i],
                }
                for i in (1, 2)
            ),
        ),
    )
    keys = (
        "SELECT delivery_id, vehicle_key, driver_key, route_key, customer_key FROM fact_deliveries"
    )
    assert sorted(target.query(keys)) == [(1, -1, -1, -1, -1), (2, -1, -1, -1, -1)]
    # The members arrive in a later batch: the vehicle since the opening snapshot, the driver
    # hired on day 2 (back-dated: after delivery 1, before delivery 2), route and customer (SCD1).
    load(
        target,
        vehicles=rows("vehicles", {"vehicle_id": 5}),
        drivers=rows("drivers", {"driver_id": 7, "updated_at": T0 + 2 * day}),
        routes=rows("routes", {"route_id": 3}),
        customers=rows("customers", {"customer_id": 9}),
    )
    vehicle = versions(target, "dim_vehicle", 5, "vehicle_key")[0][3]
    driver = versions(target, "dim_driver", 7, "driver_key")[0][3]
    route = target.query("SELECT route_key FROM dim_route WHERE route_id = 3")[0][0]
    customer = target.query("SELECT customer_key FROM dim_customer WHERE customer_id = 9")[0][0]
    assert sorted(target.query(keys)) == [
        (1, vehicle, -1, route, customer),  # no driver version was valid on day 1
        (2, vehicle, driver, route, customer),
    ]
    # A later version of the vehicle re-points the facts after it, found by natural id.
    load(
        target,
        vehicles=rows(
            "vehicles", {"vehicle_id": 5, "status": "maintenance", "updated_at": T0 + 2 * day}
        ),
    )
    newer = versions(target, "dim_vehicle", 5, "vehicle_key")[1][3]
    assert dict(target.query("SELECT delivery_id, vehicle_key FROM fact_deliveries")) == {
        1: vehicle,
        2: newer,
    }


def test_reloading_a_partition_makes_its_facts_equal_its_current_content(target: Target) -> None:
    day = timedelta(days=1)
    load(
        target,
        trips=rows("trips", {"trip_id": 1}, {"trip_id": 2}, trip_at(3, T0 + 3 * day)),
        deliveries=rows(
            "deliveries",
            {"delivery_id": 1, "trip_id": 1},
            {"delivery_id": 2, "trip_id": 1},
            {"delivery_id": 3, "trip_id": 2},
            {**delivery_at(4, T0 + 3 * day), "trip_id": 3},
        ),
    )
    assert target.query("SELECT COUNT(*) FROM fact_deliveries") == [(4,)]
    # The first day's partition is rewritten: trip 2 and its delivery 3 are gone, delivery 2 is
    # now invalid (rejected). The other day's partition is not part of this batch.
    summary = load(
        target,
        trips=rows("trips", {"trip_id": 1}),
        deliveries=rows(
            "deliveries",
            {"delivery_id": 1, "trip_id": 1},
            {"delivery_id": 2, "trip_id": 1, "package_weight_kg": -1},
        ),
    )
    assert (summary.rows_inserted, summary.rows_updated, summary.rows_rejected) == (0, 2, 1)
    facts = target.query("SELECT delivery_id FROM fact_deliveries ORDER BY delivery_id")
    assert facts == [(1,), (4,)]
    # A partition rewritten with no valid delivery at all loses all its facts.
    summary = load(
        target,
        trips=rows("trips", {"trip_id": 1}),
        deliveries=rows("deliveries", {"delivery_id": 1, "trip_id": 1, "delivery_status": "?"}),
    )
    assert (summary.rows_updated, summary.rows_rejected) == (1, 1)
    assert target.query("SELECT delivery_id FROM fact_deliveries") == [(4,)]


def test_retirement_is_a_new_current_version(target: Target) -> None:
    opening(target, 1)
    load(
        target,
        vehicles=rows(
            "vehicles", {"vehicle_id": 1, "status": "inactive", "updated_at": T0 + timedelta(1)}
        ),
    )
    current = target.query(
        "SELECT status, is_current FROM dim_vehicle WHERE vehicle_id = 1 AND is_current"
    )
    assert current == [("inactive", True)]


def test_adding_a_tracked_column_does_not_rewrite_history(target: Target) -> None:
    opening(target, 1, 2)
    before = table_rows(target, "dim_vehicle")
    # The lake gains a column (here: vehicle_type is re-declared as a new tracked 'model' column).
    extended = replace(DIM_VEHICLE, tracked=(*DIM_VEHICLE.tracked, "model"))
    changes = rows(
        "vehicles", {"vehicle_id": 1, "status": "maintenance", "updated_at": T0 + timedelta(1)}
    )
    changes = changes.append_column("model", changes["vehicle_type"])
    from fleetlake.config import Config
    from fleetlake.warehouse.load import Batch

    dims = tuple(extended if d is DIM_VEHICLE else d for d in DIMENSIONS)
    summary = apply_batch(target, Batch(entities={"vehicles": changes}), Config(), dims)
    assert (summary.rows_inserted, summary.rows_updated) == (1, 1)
    after = table_rows(target, "dim_vehicle")
    # Old versions keep every value (model is NULL for them); only vehicle 1's window was closed.
    untouched = [r for r in before if r[1] != 1]
    assert all(r + (None,) in after for r in untouched)
    assert [v[3] for v in versions(target, "dim_vehicle", 1, "model")] == [None, "Van"]


def test_upsert_by_delivery_id_completes_in_progress_trips(target: Target) -> None:
    running = {"trip_id": 1, "arrival_datetime": None, "status": "in_progress"}
    pending = {"delivery_id": 1, "delivered_datetime": None, "delivery_status": "in_transit"}
    first = load(target, trips=rows("trips", running), deliveries=rows("deliveries", pending))
    key = target.query("SELECT delivery_key FROM fact_deliveries")
    second = load(
        target,
        trips=rows("trips", {"trip_id": 1}),
        deliveries=rows("deliveries", {"delivery_id": 1}),
    )
    assert (first.rows_inserted, second.rows_inserted, second.rows_updated) == (1, 0, 1)
    got = target.query("SELECT delivery_key, delivery_status, is_on_time FROM fact_deliveries")
    assert got == [(key[0][0], "delivered", True)]


def test_two_loads_at_once_the_second_refuses(target: Target) -> None:
    with target.lock():
        with pytest.raises(DatabaseError, match="another warehouse load"):
            with target.lock():
                pass
    with target.lock():  # released
        pass


class LostConnection:
    """Stands in for a database connection that dropped: every call fails."""

    def __getattr__(self, name: str):
        def fail(*args: object, **kwargs: object) -> None:
            raise ConnectionError("connection lost")

        return fail


def test_a_failing_rollback_or_lock_release_never_hides_the_load_error(
    target: Target, caplog: pytest.LogCaptureFixture
) -> None:
    """The connection drops mid-load: rollback (and Snowflake's lock release) fail too, but the
    error the user sees is the one that broke the load; the clean-up failures are logged."""
    import logging

    connection = target.con  # type: ignore[attr-defined]
    try:
        with caplog.at_level(logging.WARNING), pytest.raises(RuntimeError, match="load's error"):
            with target.lock(), target.transaction():
                target.con = LostConnection()  # type: ignore[attr-defined]
                raise RuntimeError("the load's error")
    finally:
        target.con = connection  # type: ignore[attr-defined]
    assert "roll back failed: connection lost" in caplog.text
    if target.name == "snowflake":
        assert "release the load lock failed: connection lost" in caplog.text


def test_scd1_dimensions_overwrite_in_place_and_ignore_older_rows(target: Target) -> None:
    load(target, customers=rows("customers", {"customer_id": 1}, {"customer_id": 2}))
    keys = dict(target.query("SELECT customer_id, customer_key FROM dim_customer"))
    renamed = {"customer_id": 1, "customer_name": "Nuevo Nombre", "updated_at": T0 + timedelta(2)}
    stale = {"customer_id": 2, "city": "Cali", "updated_at": T0 - timedelta(1)}  # older than loaded
    summary = load(target, customers=rows("customers", renamed, stale, {"customer_id": 3}))
    assert (summary.rows_inserted, summary.rows_updated) == (1, 1)
    got = target.query(
        "SELECT customer_id, customer_key, customer_name, city, source_updated_at "
        "FROM dim_customer WHERE customer_id > 0 ORDER BY customer_id"
    )
    assert got == [
        (1, keys[1], "Nuevo Nombre", "Bogotá", T0 + timedelta(days=2, hours=5)),
        (2, keys[2], "Cliente Uno", "Bogotá", UTC_T0),
        (3, 3, "Cliente Uno", "Bogotá", UTC_T0),
    ]
