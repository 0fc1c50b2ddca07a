"""The KPI SQL files and their translation to each engine's placeholder syntax."""

from __future__ import annotations

from datetime import date

import pytest

from fleetlake.errors import ConfigError
from fleetlake.kpi import KPIS
from fleetlake.kpi.queries import bind, kpi_text, placeholders, resolve_names, title, translate
from fleetlake.sql_files import sql_root


def test_one_file_per_kpi_in_order() -> None:
    files = sorted(p.stem for p in (sql_root() / "kpi").glob("*.sql"))
    assert list(KPIS) == files
    assert len(KPIS) == 12
    assert [k[:3] for k in KPIS] == [f"q{i:02d}" for i in range(1, 13)]


@pytest.mark.parametrize("name", KPIS)
def test_each_file_states_its_business_question(name: str) -> None:
    lines = kpi_text(name).splitlines()
    number = int(name[1:3])
    assert lines[0].startswith(f"-- Q{number} ")
    header = [line for line in lines if line.startswith("--")]
    assert "?" in "\n".join(header), "no business question in the header"
    assert placeholders("\n".join(header)) == [], "placeholders belong in the SQL, not comments"
    assert title(name) == lines[0][3:]


def test_translation_per_engine() -> None:
    sql = "SELECT x::text, '08:30' FROM t WHERE d < CAST(:as_of AS DATE) + 1 AND p LIKE 'a%'"
    assert translate(sql, "duckdb") == sql.replace(":as_of", "$as_of")
    assert translate(sql, "postgres") == (
        "SELECT x::text, '08:30' FROM t WHERE d < CAST(%(as_of)s AS DATE) + 1 AND p LIKE 'a%%'"
    )
    with pytest.raises(ValueError, match="unknown KPI parameter"):
        translate("SELECT :nope", "duckdb")
    with pytest.raises(ValueError, match="unknown dialect"):
        translate("SELECT 1", "oracle")


def test_bind_passes_only_used_parameters() -> None:
    assert bind(kpi_text("q01_fleet_composition"), date(2025, 1, 1), 30) == {}
    assert bind(kpi_text("q08_late_deliveries_by_weekday"), date(2025, 1, 1), 15) == {
        "tolerance_minutes": 15,
        "as_of": date(2025, 1, 1),
    }


def test_name_resolution() -> None:
    assert resolve_names(None) == list(KPIS)
    assert resolve_names("all") == list(KPIS)
    assert resolve_names(["12", "q1", "q07", "q03_trips_by_status"]) == [
        "q01_fleet_composition",
        "q03_trips_by_status",
        "q07_route_fuel_efficiency",
        "q12_delivery_heatmap",
    ]
    with pytest.raises(ConfigError, match="unknown KPI 'q13'"):
        resolve_names(["q13"])
    with pytest.raises(ConfigError, match="unknown KPI 'fleet'"):
        resolve_names("fleet")
