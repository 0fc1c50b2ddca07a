-- Q11 Monthly trip trend
-- How many trips started each month up to the as-of date, how did that change from the month
-- before (absolute and %), and what is the 3-month moving average? The last month may be partial.
WITH monthly AS (
    SELECT
        CAST(DATE_TRUNC('month', departure_datetime) AS DATE) AS month,
        COUNT(*) AS trips,
        SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END) AS completed_trips
    FROM trips
    WHERE departure_datetime < CAST(:as_of AS DATE) + 1
    GROUP BY CAST(DATE_TRUNC('month', departure_datetime) AS DATE)
)
SELECT
    month,
    trips,
    completed_trips,
    trips - LAG(trips) OVER by_month AS mom_change,
    ROUND(
        100.0 * (trips - LAG(trips) OVER by_month) / NULLIF(LAG(trips) OVER by_month, 0), 2
    ) AS mom_change_pct,
    ROUND(AVG(trips) OVER (ORDER BY month ROWS BETWEEN 2 PRECEDING AND CURRENT ROW), 2)
        AS moving_avg_3m
FROM monthly
WINDOW by_month AS (ORDER BY month)
ORDER BY month;
