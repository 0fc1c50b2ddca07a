-- Q4 Deliveries, trips and weight by destination city, last 60 days
-- Which destination cities received the most trips, deliveries and kilograms in the 60 days
-- ending on the as-of date? Trips and deliveries are aggregated per city separately, then joined,
-- so trip weights are not multiplied by the number of deliveries (no join fan-out).
WITH window_trips AS (
    SELECT t.trip_id, t.total_weight_kg, r.destination_city
    FROM trips t
    JOIN routes r ON r.route_id = t.route_id
    WHERE t.departure_datetime >= CAST(:as_of AS DATE) - 59
        AND t.departure_datetime < CAST(:as_of AS DATE) + 1
),
city_trips AS (
    SELECT destination_city, COUNT(*) AS trips, SUM(total_weight_kg) AS trip_weight_kg
    FROM window_trips
    GROUP BY destination_city
),
city_deliveries AS (
    SELECT
        t.destination_city,
        COUNT(*) AS deliveries,
        SUM(d.package_weight_kg) AS package_weight_kg
    FROM deliveries d
    JOIN window_trips t ON t.trip_id = d.trip_id
    GROUP BY t.destination_city
)
SELECT
    ct.destination_city,
    ct.trips,
    COALESCE(cd.deliveries, 0) AS deliveries,
    COALESCE(cd.package_weight_kg, 0) AS package_weight_kg,
    ct.trip_weight_kg
FROM city_trips ct
LEFT JOIN city_deliveries cd ON cd.destination_city = ct.destination_city
ORDER BY deliveries DESC, ct.destination_city;
