-- Q6 Deliveries per trip and per working day by driver, last 6 months
-- In the six months ending on the as-of date, how many deliveries did each driver make per trip
-- and per day on which they drove? Cancelled trips are left out.
WITH window_trips AS (
    SELECT trip_id, driver_id, CAST(departure_datetime AS DATE) AS trip_date
    FROM trips
    WHERE status <> 'cancelled'
        AND departure_datetime >= CAST(:as_of AS DATE) + 1 - INTERVAL '6 months'
        AND departure_datetime < CAST(:as_of AS DATE) + 1
),
trip_deliveries AS (
    SELECT d.trip_id, COUNT(*) AS deliveries
    FROM deliveries d
    JOIN window_trips t ON t.trip_id = d.trip_id
    GROUP BY d.trip_id
)
SELECT
    t.driver_id,
    dr.first_name,
    dr.last_name,
    COUNT(*) AS trips,
    COALESCE(SUM(td.deliveries), 0) AS deliveries,
    COUNT(DISTINCT t.trip_date) AS working_days,
    ROUND(1.0 * COALESCE(SUM(td.deliveries), 0) / COUNT(*), 2) AS deliveries_per_trip,
    ROUND(1.0 * COALESCE(SUM(td.deliveries), 0) / COUNT(DISTINCT t.trip_date), 2)
        AS deliveries_per_day
FROM window_trips t
JOIN drivers dr ON dr.driver_id = t.driver_id
LEFT JOIN trip_deliveries td ON td.trip_id = t.trip_id
GROUP BY t.driver_id, dr.first_name, dr.last_name
ORDER BY deliveries_per_day DESC, t.driver_id;
