"""One definition of an entity's state as of a time, used by Lake.current, Lake.register_duckdb
(what `pg load` copies) and the KPIs' DuckDB cache: all three agree, at the exact cutoff."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import duckdb
import pyarrow as pa
import pytest

from fleetlake.errors import LakeError
from fleetlake.kpi.cache import create_views, open_cache
from fleetlake.lake import open_lake
from fleetlake.lake.current import current_state_sql
from fleetlake.schema import ENTITY_TABLES, TRIPS

MICROSECOND = timedelta(microseconds=1)


def _changed_mid_day(lake, table: str) -> dict:
    """A version that replaced an earlier one at a time of day other than midnight."""
    spec = next(s for s in ENTITY_TABLES if s.name == table)
    rows = sorted(lake.read(table).to_pylist(), key=lambda r: r["updated_at"])
    seen = set()
    for row in rows:
        entity = row[spec.id_column]
        if entity in seen and row["updated_at"].time() != time(0):
            return row
        seen.add(entity)
    raise AssertionError(f"no mid-day change in {table}")


def _registered(lake, table: str, as_of: datetime | None) -> pa.Table:
    con = duckdb.connect()
    lake.register_duckdb(con, as_of=as_of)
    id_column = next(s for s in ENTITY_TABLES if s.name == table).id_column
    return con.sql(f"SELECT * FROM {table} ORDER BY {id_column}").to_arrow_table()


@pytest.mark.parametrize("table", [s.name for s in ENTITY_TABLES])
def test_three_readers_agree_at_the_exact_cutoff(tiny_lake, tmp_path, monkeypatch, table) -> None:
    monkeypatch.setenv("FLEETLAKE_CACHE_DIR", str(tmp_path))
    lake = open_lake(str(tiny_lake))
    spec = next(s for s in ENTITY_TABLES if s.name == table)
    change = _changed_mid_day(lake, table)
    at, entity = change["updated_at"], change[spec.id_column]

    def version(state: pa.Table) -> datetime:
        (row,) = [r for r in state.to_pylist() if r[spec.id_column] == entity]
        return row["updated_at"]

    # Inclusive cutoff: the change counts at its own instant, not a microsecond before.
    for cutoff, expected in ((at, at), (at - MICROSECOND, None)):
        state = lake.current(table, as_of=cutoff)
        assert (version(state) == at) is (expected is not None), cutoff
        assert _registered(lake, table, cutoff) == state
    # The KPIs take the state at the end of their as_of day: the same as Lake.current then.
    con = open_cache(lake)
    create_views(con, at.date())
    cached = con.sql(f"SELECT * FROM {table} ORDER BY {spec.id_column}").to_arrow_table()
    con.close()
    end_of_day = lake.current(table, as_of=datetime.combine(at.date(), time.max))
    assert cached == end_of_day
    assert version(cached) >= at
    assert lake.current(table) == _registered(lake, table, None)


def test_event_tables_have_no_current_state() -> None:
    with pytest.raises(LakeError, match="'trips' is an event table"):
        current_state_sql(TRIPS, "trips")


def test_an_as_of_with_a_time_zone_is_refused_not_misread(tiny_lake) -> None:
    lake = open_lake(str(tiny_lake))
    with pytest.raises(LakeError, match="give a naive lake time"):
        lake.current("vehicles", as_of=datetime(2024, 1, 2, 10, tzinfo=UTC))
