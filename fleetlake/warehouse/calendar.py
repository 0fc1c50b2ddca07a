"""dim_date and dim_time rows, including Colombian public holidays.

Colombia's holidays follow Ley 51 de 1983 ("Ley Emiliani"): some are fixed, some move to the
following Monday, and some hang off Easter. Computing them is a dozen dates per year, so no package.
"""

from __future__ import annotations

from datetime import date, timedelta

import pyarrow as pa

from fleetlake.sql_files import read_sql
from fleetlake.warehouse.prepare import local_duckdb

FIXED = (
    (1, 1, "Año Nuevo"),
    (5, 1, "Día del Trabajo"),
    (7, 20, "Día de la Independencia"),
    (8, 7, "Batalla de Boyacá"),
    (12, 8, "Inmaculada Concepción"),
    (12, 25, "Navidad"),
)
MOVED_TO_MONDAY = (
    (1, 6, "Reyes Magos"),
    (3, 19, "San José"),
    (6, 29, "San Pedro y San Pablo"),
    (8, 15, "Asunción de la Virgen"),
    (10, 12, "Día de la Raza"),
    (11, 1, "Todos los Santos"),
    (11, 11, "Independencia de Cartagena"),
)
# Days after Easter Sunday, and whether the holiday moves to the next Monday.
EASTER_BASED = (
    (-3, False, "Jueves Santo"),
    (-2, False, "Viernes Santo"),
    (39, True, "Ascensión del Señor"),
    (60, True, "Corpus Christi"),
    (68, True, "Sagrado Corazón"),
)


def easter_sunday(year: int) -> date:
    """Gregorian Easter (the anonymous "Meeus/Jones/Butcher" algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * l_) // 433
    month = (h + l_ - 7 * m + 90) // 25
    return date(year, month, (h + l_ - 7 * m + 33 * month + 19) % 32)


def _next_monday(day: date) -> date:
    return day + timedelta(days=(7 - day.weekday()) % 7)


def colombian_holidays(year: int) -> dict[date, str]:
    """The public holidays of one year, date -> name."""
    result = {date(year, m, d): name for m, d, name in FIXED}
    for m, d, name in MOVED_TO_MONDAY:
        result[_next_monday(date(year, m, d))] = name
    easter = easter_sunday(year)
    for offset, moves, name in EASTER_BASED:
        day = easter + timedelta(days=offset)
        result[_next_monday(day) if moves else day] = name
    return result


def date_rows(start: date, end: date) -> pa.Table:
    """dim_date rows for the days in [start, end)."""
    holidays = {
        day: name
        for year in range(start.year, end.year + 1)
        for day, name in colombian_holidays(year).items()
    }
    con = local_duckdb()
    con.register(
        "holidays",
        pa.table(
            {
                "holiday_date": pa.array(list(holidays), pa.date32()),
                "holiday_name": pa.array(list(holidays.values()), pa.string()),
            }
        ),
    )
    sql = read_sql("warehouse/calendar_dates.sql")
    return con.sql(sql, params={"start": start, "end": end}).to_arrow_table()


def time_rows() -> pa.Table:
    """The 1,440 dim_time rows (minute grain)."""
    return local_duckdb().sql(read_sql("warehouse/calendar_times.sql")).to_arrow_table()
