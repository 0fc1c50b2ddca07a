-- Q4 Deliveries, trips and weight by destination city, last 60 days
-- Which destination cities received the most trips, deliveries and kilograms in the 60 days
-- ending on the as-of date? Deliveries are counted per trip first, so trip weights are not
-- multiplied by the number of deliveries (no join fan-out).
WITH window_trips AS (
    SELECT trip_id, route_id, total_weight_kg
    FROM trips
    WHERE departure_datetime >= CAST(:as_of AS DATE) - 59
        AND departure_datetime < CAST(:as_of AS DATE) + 1
),
trip_deliveries AS (
    SELECT d.trip_id, COUNT(*) AS deliveries, SUM(d.package_weight_kg) AS package_weight_kg
    FROM deliveries d
    JOIN window_trips t ON t.trip_id = d.trip_id
    GROUP BY d.trip_id
)
SELECT
    r.destination_city,
    COUNT(*) AS trips,
    COALESCE(SUM(td.deliveries), 0) AS deliveries,
    COALESCE(SUM(td.package_weight_kg), 0) AS package_weight_kg,
    SUM(t.total_weight_kg) AS trip_weight_kg
FROM window_trips t
JOIN routes r ON r.route_id = t.route_id
LEFT JOIN trip_deliveries td ON td.trip_id = t.trip_id
GROUP BY r.destination_city
ORDER BY deliveries DESC, r.destination_city;
