-- Runs in the ETL's local DuckDB: the 1,440 minutes of a day for dim_time (time_key = hour*100+minute).
SELECT
    CAST((m // 60) * 100 + m % 60 AS INTEGER) AS time_key,
    CAST(m // 60 AS INTEGER) AS hour,
    CAST(m % 60 AS INTEGER) AS minute,
    CASE
        WHEN m // 60 < 6 THEN 'Madrugada'
        WHEN m // 60 < 12 THEN 'Mañana'
        WHEN m // 60 < 18 THEN 'Tarde'
        ELSE 'Noche'
    END AS time_of_day,
    CASE
        WHEN m // 60 BETWEEN 6 AND 13 THEN 'Turno 1'
        WHEN m // 60 BETWEEN 14 AND 21 THEN 'Turno 2'
        ELSE 'Nocturno'
    END AS shift,
    m // 60 BETWEEN 8 AND 17 AS is_business_hour
FROM range(0, 1440) AS minutes(m)
ORDER BY time_key
