"""dim_date and dim_time rows: Colombian holidays (Ley Emiliani), weekends, minute keys."""

from __future__ import annotations

from datetime import date

from fleetlake.warehouse.calendar import colombian_holidays, date_rows, easter_sunday, time_rows


def test_colombian_holidays_2024_follow_ley_emiliani() -> None:
    assert easter_sunday(2024) == date(2024, 3, 31)
    holidays = colombian_holidays(2024)
    assert len(holidays) == 18
    assert holidays[date(2024, 1, 8)] == "Reyes Magos"  # Jan 6 (Saturday) moved to Monday
    assert holidays[date(2024, 3, 29)] == "Viernes Santo"  # Easter-based, not moved
    assert holidays[date(2024, 5, 13)] == "Ascensión del Señor"  # Easter + 39, moved to Monday
    assert holidays[date(2024, 7, 20)] == "Día de la Independencia"  # fixed, even on Saturday
    assert holidays[date(2024, 11, 11)] == "Independencia de Cartagena"  # already a Monday


def test_date_rows_keys_weekends_and_holidays() -> None:
    rows = date_rows(date(2024, 3, 28), date(2024, 4, 2)).to_pylist()
    assert [r["date_key"] for r in rows] == [20240328, 20240329, 20240330, 20240331, 20240401]
    assert [r["is_weekend"] for r in rows] == [False, False, True, True, False]
    assert [r["holiday_name"] for r in rows] == ["Jueves Santo", "Viernes Santo", None, None, None]
    assert rows[0]["day_name"] == "Jueves" and rows[0]["month_name"] == "Marzo"


def test_time_rows_are_the_minutes_of_a_day() -> None:
    rows = time_rows().to_pylist()
    assert len(rows) == 1440
    by_key = {r["time_key"]: r for r in rows}
    assert by_key[2359]["hour"] == 23 and by_key[2359]["minute"] == 59
    assert (by_key[805]["time_of_day"], by_key[805]["shift"], by_key[805]["is_business_hour"]) == (
        "Mañana",
        "Turno 1",
        True,
    )
    assert by_key[300]["shift"] == "Nocturno" and not by_key[300]["is_business_hour"]
