-- Q7 Top routes by fuel consumption per 100 km
-- Which 10 routes burn the most fuel per 100 km over the completed trips up to the as-of date?
SELECT
    r.route_id,
    r.route_code,
    r.origin_city,
    r.destination_city,
    r.distance_km,
    COUNT(*) AS trips,
    SUM(t.fuel_consumed_liters) AS fuel_liters,
    ROUND(100.0 * SUM(t.fuel_consumed_liters) / SUM(r.distance_km), 2) AS liters_per_100km
FROM trips t
JOIN routes r ON r.route_id = t.route_id
WHERE t.status = 'completed'
    AND t.fuel_consumed_liters IS NOT NULL
    AND t.departure_datetime < CAST(:as_of AS DATE) + 1
GROUP BY r.route_id, r.route_code, r.origin_city, r.destination_city, r.distance_km
ORDER BY liters_per_100km DESC, r.route_id
LIMIT 10;
