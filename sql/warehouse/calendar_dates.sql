-- Runs in the ETL's local DuckDB: one dim_date row per day in [$start, $end).
-- `holidays` (holiday_date, holiday_name) is registered by fleetlake.warehouse.calendar.
SELECT
    CAST(strftime(d, '%Y%m%d') AS INTEGER) AS date_key,
    CAST(d AS DATE) AS full_date,
    CAST(year(d) AS INTEGER) AS year,
    CAST(quarter(d) AS INTEGER) AS quarter,
    CAST(month(d) AS INTEGER) AS month,
    ['Enero', 'Febrero', 'Marzo', 'Abril', 'Mayo', 'Junio', 'Julio', 'Agosto', 'Septiembre',
     'Octubre', 'Noviembre', 'Diciembre'][month(d)] AS month_name,
    CAST(day(d) AS INTEGER) AS day_of_month,
    CAST(isodow(d) AS INTEGER) AS day_of_week,
    ['Lunes', 'Martes', 'Miércoles', 'Jueves', 'Viernes', 'Sábado', 'Domingo'][isodow(d)] AS day_name,
    CAST(weekofyear(d) AS INTEGER) AS week_of_year,
    isodow(d) >= 6 AS is_weekend,
    h.holiday_name IS NOT NULL AS is_holiday,
    h.holiday_name
FROM range(CAST($start AS TIMESTAMP), CAST($end AS TIMESTAMP), INTERVAL 1 DAY) AS days(d)
LEFT JOIN holidays h ON h.holiday_date = CAST(d AS DATE)
ORDER BY date_key
