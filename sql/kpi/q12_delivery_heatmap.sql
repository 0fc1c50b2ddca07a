-- Q12 Deliveries heatmap, hour x weekday
-- At which hours of which weekdays (ISO: 1 = Monday ... 7 = Sunday) are packages delivered, up to
-- the as-of date, and how many of them on time? One row per (weekday, hour) cell with deliveries.
SELECT
    CAST(EXTRACT(ISODOW FROM delivered_datetime) AS INTEGER) AS weekday,
    CAST(EXTRACT(HOUR FROM delivered_datetime) AS INTEGER) AS hour,
    COUNT(*) AS deliveries,
    SUM(
        CASE
            WHEN delivered_datetime
                <= scheduled_datetime + CAST(:tolerance_minutes AS INTEGER) * INTERVAL '1 minute'
            THEN 1 ELSE 0
        END
    ) AS on_time
FROM deliveries
WHERE delivered_datetime IS NOT NULL
    AND delivered_datetime < CAST(:as_of AS DATE) + 1
GROUP BY
    CAST(EXTRACT(ISODOW FROM delivered_datetime) AS INTEGER),
    CAST(EXTRACT(HOUR FROM delivered_datetime) AS INTEGER)
ORDER BY weekday, hour;
