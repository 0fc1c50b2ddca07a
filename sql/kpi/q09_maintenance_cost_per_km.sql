-- Q9 Maintenance cost per km by vehicle type
-- What does maintenance cost per kilometre driven, for each vehicle type, up to the as-of date?
-- Costs and kilometres are aggregated per vehicle separately before joining: joining trips to
-- maintenance row by row would multiply every cost by the vehicle's trip count (the classic
-- fan-out defect).
WITH vehicle_cost AS (
    SELECT vehicle_id, COUNT(*) AS maintenance_events, SUM(cost) AS maintenance_cost
    FROM maintenance
    WHERE maintenance_date <= CAST(:as_of AS DATE)
    GROUP BY vehicle_id
),
vehicle_km AS (
    SELECT t.vehicle_id, SUM(r.distance_km) AS km
    FROM trips t
    JOIN routes r ON r.route_id = t.route_id
    WHERE t.status = 'completed'
        AND t.departure_datetime < CAST(:as_of AS DATE) + 1
    GROUP BY t.vehicle_id
)
SELECT
    v.vehicle_type,
    COUNT(*) AS vehicles,
    COALESCE(SUM(c.maintenance_events), 0) AS maintenance_events,
    COALESCE(SUM(c.maintenance_cost), 0) AS maintenance_cost,
    COALESCE(SUM(k.km), 0) AS km_driven,
    ROUND(SUM(c.maintenance_cost) / NULLIF(SUM(k.km), 0), 2) AS cost_per_km
FROM vehicles v
LEFT JOIN vehicle_cost c ON c.vehicle_id = v.vehicle_id
LEFT JOIN vehicle_km k ON k.vehicle_id = v.vehicle_id
GROUP BY v.vehicle_type
ORDER BY v.vehicle_type;
