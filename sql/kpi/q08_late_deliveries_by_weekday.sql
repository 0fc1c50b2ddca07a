-- Q8 Late deliveries by weekday, last 90 days
-- On which weekdays (ISO: 1 = Monday ... 7 = Sunday) are deliveries most often late, over the
-- deliveries scheduled in the 90 days ending on the as-of date? Late means the one on-time rule
-- failed: delivered_datetime > scheduled_datetime + tolerance.
WITH delivered AS (
    SELECT
        CAST(EXTRACT(ISODOW FROM scheduled_datetime) AS INTEGER) AS weekday,
        CASE
            WHEN delivered_datetime
                > scheduled_datetime + CAST(:tolerance_minutes AS INTEGER) * INTERVAL '1 minute'
            THEN 1 ELSE 0
        END AS is_late
    FROM deliveries
    WHERE delivery_status = 'delivered'
        AND delivered_datetime IS NOT NULL
        AND scheduled_datetime >= CAST(:as_of AS DATE) - 89
        AND scheduled_datetime < CAST(:as_of AS DATE) + 1
)
SELECT
    weekday,
    CASE weekday
        WHEN 1 THEN 'Monday' WHEN 2 THEN 'Tuesday' WHEN 3 THEN 'Wednesday'
        WHEN 4 THEN 'Thursday' WHEN 5 THEN 'Friday' WHEN 6 THEN 'Saturday' ELSE 'Sunday'
    END AS weekday_name,
    COUNT(*) AS delivered,
    SUM(is_late) AS late,
    ROUND(100.0 * SUM(is_late) / COUNT(*), 2) AS late_pct
FROM delivered
GROUP BY weekday
ORDER BY weekday;
