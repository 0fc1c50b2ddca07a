-- Q6 Deliveries per trip and per working day by driver, last 6 months
-- In the six months ending on the as-of date, how many deliveries did each driver make per trip
-- and per day on which they drove? Cancelled trips are left out. Deliveries and trips are counted
-- per driver separately, then joined (no fan-out).
WITH window_trips AS (
    SELECT trip_id, driver_id, CAST(departure_datetime AS DATE) AS trip_date
    FROM trips
    WHERE status <> 'cancelled'
        AND departure_datetime >= CAST(:as_of AS DATE) + 1 - INTERVAL '6 months'
        AND departure_datetime < CAST(:as_of AS DATE) + 1
),
driver_trips AS (
    SELECT driver_id, COUNT(*) AS trips, COUNT(DISTINCT trip_date) AS working_days
    FROM window_trips
    GROUP BY driver_id
),
driver_deliveries AS (
    SELECT t.driver_id, COUNT(*) AS deliveries
    FROM deliveries d
    JOIN window_trips t ON t.trip_id = d.trip_id
    GROUP BY t.driver_id
)
SELECT
    dt.driver_id,
    dr.first_name,
    dr.last_name,
    dt.trips,
    COALESCE(dd.deliveries, 0) AS deliveries,
    dt.working_days,
    ROUND(1.0 * COALESCE(dd.deliveries, 0) / dt.trips, 2) AS deliveries_per_trip,
    ROUND(1.0 * COALESCE(dd.deliveries, 0) / dt.working_days, 2) AS deliveries_per_day
FROM driver_trips dt
JOIN drivers dr ON dr.driver_id = dt.driver_id
LEFT JOIN driver_deliveries dd ON dd.driver_id = dt.driver_id
ORDER BY deliveries_per_day DESC, dt.driver_id;
