"""The KPI charts draw exactly the numbers of the KPI results (read back from the SVG marks)."""

from __future__ import annotations

import pyarrow as pa
import pytest

from fleetlake.report.kpis import CHARTS, kpi_figure, kpi_section
from fleetlake.report.page import render_html
from tests.report.kpi_tables import AS_OF, kpi_results
from tests.report.marks import chart_marks, series_values


@pytest.fixture(scope="module")
def html() -> str:
    return render_html("t", [], [kpi_section(kpi_results(), AS_OF)])


def test_every_kpi_has_a_chart_with_marks_and_no_skipped_chart(html: str) -> None:
    section = kpi_section(kpi_results(), AS_OF)
    assert [f.id for f in section.figures] == [f"kpi-{n:02d}" for n in range(1, 13)]
    assert all(f.note == "" for f in section.figures)
    marks = chart_marks(html)
    assert all(marks[f"kpi-{n:02d}"] for n in CHARTS)


def test_fleet_composition_stacks_each_status_per_type(html: str) -> None:
    assert series_values(html, "kpi-01", "active") == {
        "Camión Grande": 5.0,
        "Motocicleta": 2.0,
        "Van": 6.0,
    }
    assert series_values(html, "kpi-01", "maintenance") == {
        "Camión Grande": 1.0,
        "Motocicleta": 0.0,
        "Van": 0.0,
    }
    assert series_values(html, "kpi-01", "inactive")["Van"] == 4.0
    # The stack's printed total is the sum of its parts.
    assert ">10<" in html.split('data-chart="kpi-01"')[1].split("</svg>")[0]


@pytest.mark.parametrize(
    ("chart", "series", "expected"),
    [
        ("kpi-02", "days_to_expiry", {"Ana3 Gómez3 (#3)": 9.0, "Ana9 Gómez9 (#9)": 24.0}),
        ("kpi-03", "trips", {"cancelled": 38.0, "completed": 950.0, "in_progress": 12.0}),
        ("kpi-04", "deliveries", {"Bogotá": 400.0, "Cali": 210.0}),
        ("kpi-04", "trips", {"Bogotá": 100.0, "Cali": 52.0}),
        ("kpi-05", "completed_trips", {"Ana1 Gómez1 (#1)": 28.0, "Ana2 Gómez2 (#2)": 19.0}),
        ("kpi-06", "deliveries_per_day", {"Ana7 Gómez7 (#7)": 2.56, "Ana4 Gómez4 (#4)": 1.88}),
        ("kpi-07", "liters_per_100km", {"R01 Bogotá→Medellín": 28.4, "R02 Cali→Bogotá": 21.3}),
        ("kpi-09", "cost_per_km", {"Motocicleta": 50.0, "Van": 100.0}),
        ("kpi-10", "productivity_rank", {"1. Ana5 Gómez5 (#5)": 2.0, "2. Ana6 Gómez6 (#6)": 1.0}),
    ],
)
def test_bar_values_equal_the_kpi_columns(html: str, chart: str, series: str, expected) -> None:
    assert series_values(html, chart, series) == expected


def test_late_deliveries_by_iso_weekday(html: str) -> None:
    values = series_values(html, "kpi-08", "late_pct")
    # Labels come from the ISO numbers in `weekday`; the KPI's own names must match them.
    names = kpi_results()["q08_late_deliveries_by_weekday"].column("weekday_name").to_pylist()
    week = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    assert list(values) == names == week
    assert values["Friday"] == 12.0 and values["Sunday"] == 10.0


def test_monthly_trend_lines(html: str) -> None:
    trips = series_values(html, "kpi-11", "trips")
    assert trips == {
        "2024-01": 100.0,
        "2024-02": 110.0,
        "2024-03": 90.0,
        "2024-04": 120.0,
        "2024-05": 130.0,
        "2024-06": 125.0,
    }
    assert series_values(html, "kpi-11", "moving_avg_3m")["2024-04"] == 106.67


def test_heatmap_cells_hold_the_counts_and_zero_elsewhere(html: str) -> None:
    cells = {label: v for _, label, v in chart_marks(html)["kpi-12"]}
    assert len(cells) == 7 * 24
    assert cells["Monday · 08"] == 5.0 and cells["Monday · 09"] == 7.0
    assert cells["Tuesday · 14"] == 3.0 and cells["Sunday · 23"] == 1.0
    assert sum(v for v in cells.values() if v) == 16.0


def test_tables_format_units() -> None:
    figures = {f.id: f for f in kpi_section(kpi_results(), AS_OF).figures}
    cells = [c for row in figures["kpi-09"].table.rows for c in row]
    assert "COP 200,000" in cells and "50.0 COP/km" in cells and "4,000 km" in cells
    assert "28.4 L/100 km" in figures["kpi-07"].table.rows[0]
    assert "27.8 %" in figures["kpi-01"].table.rows[0]


def test_empty_result_and_changed_columns_degrade_to_a_note() -> None:
    empty = kpi_figure("q02_expiring_licenses", kpi_results()["q02_expiring_licenses"].slice(0, 0))
    assert "No rows for this KPI" in empty.chart and empty.table.total_rows == 0
    renamed = kpi_figure("q03_trips_by_status", pa.table({"status": ["completed"], "n": [1]}))
    assert "Chart unavailable" in renamed.chart
    assert "trips" in renamed.note
