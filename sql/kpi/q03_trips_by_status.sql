-- Q3 Trips by status
-- How many trips, up to the as-of date, were completed, are still running or were cancelled,
-- and what share of all trips is each?
SELECT
    status,
    COUNT(*) AS trips,
    ROUND(100.0 * COUNT(*) / SUM(COUNT(*)) OVER (), 2) AS pct_of_trips
FROM trips
WHERE departure_datetime < CAST(:as_of AS DATE) + 1
GROUP BY status
ORDER BY status;
