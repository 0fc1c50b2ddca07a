"""``explain_kpis``: plans with and without the recommended indexes, the database left as found."""

from __future__ import annotations

import psycopg
import pytest

from fleetlake.errors import DatabaseError
from fleetlake.lake import open_lake
from fleetlake.oltp import explain as explain_module
from fleetlake.oltp.explain import explain_kpis, recommended_indexes, render_markdown
from fleetlake.oltp.load import SCHEMA_TABLES, load_lake

pytestmark = pytest.mark.postgres


def _present(dsn: str) -> set[str]:
    names = [i.name for i in recommended_indexes()]
    with psycopg.connect(dsn) as con:
        rows = con.execute(
            "SELECT indexname FROM pg_indexes WHERE indexname = ANY(%s)", (names,)
        ).fetchall()
    return {r[0] for r in rows}


def test_recommended_indexes_parse() -> None:
    indexes = recommended_indexes()
    assert len(indexes) == 6
    assert {i.table for i in indexes} == {"trips", "deliveries", "drivers", "maintenance"}
    assert all(i.statement.startswith("CREATE INDEX IF NOT EXISTS") for i in indexes)


def test_report_and_indexes_kept_as_found(pg_db: str, tiny_lake) -> None:
    load_lake(open_lake(str(tiny_lake)), pg_db)
    with psycopg.connect(pg_db, autocommit=True) as con:
        con.execute(recommended_indexes()[0].statement)  # one index existed before
    report = explain_kpis(pg_db, repeat=1, names=["q04", "q08"])
    assert [k["name"] for k in report["kpis"]] == [
        "q04_deliveries_by_city",
        "q08_late_deliveries_by_weekday",
    ]
    q08 = report["kpis"][1]
    assert "idx_deliveries_scheduled_datetime" in q08["recommended_indexes_used"]
    assert "Seq Scan on deliveries" in q08["nodes_removed"]
    assert report["as_of"] == "2025-12-30"
    assert _present(pg_db) == {recommended_indexes()[0].name}
    assert "| q08_late_deliveries_by_weekday |" in render_markdown(report)


def test_failure_midway_restores_the_indexes(pg_db: str, tiny_lake, monkeypatch) -> None:
    load_lake(open_lake(str(tiny_lake)), pg_db)
    real = explain_module._measure
    calls = []

    def fail_after_first_phase(con, sql, params, repeat):
        calls.append(sql)
        if len(calls) > 1:
            con.execute("SELECT 1/0")
        return real(con, sql, params, repeat)

    monkeypatch.setattr(explain_module, "_measure", fail_after_first_phase)
    with pytest.raises(DatabaseError, match="after: EXPLAIN ANALYZE q01_fleet_composition failed"):
        explain_kpis(pg_db, repeat=1, names=["q01"])
    assert _present(pg_db) == set()


def test_explain_needs_a_loaded_copy(pg_db: str) -> None:
    with pytest.raises(DatabaseError, match="holds no fleetlake copy; run `fleetlake pg load`"):
        explain_kpis(pg_db, repeat=1)


def test_vacuum_touches_only_fleetlake_tables(pg_db: str, tiny_lake) -> None:
    load_lake(open_lake(str(tiny_lake)), pg_db)
    with psycopg.connect(pg_db, autocommit=True) as con:
        con.execute("CREATE TABLE someone_elses (x int)")
        con.execute("INSERT INTO someone_elses VALUES (1)")
    explain_kpis(pg_db, repeat=1, names=["q03"])
    with psycopg.connect(pg_db) as con:
        vacuumed = dict(
            con.execute(
                "SELECT relname, last_vacuum IS NOT NULL FROM pg_stat_user_tables"
            ).fetchall()
        )
    assert vacuumed == {table: True for table in SCHEMA_TABLES} | {"someone_elses": False}
