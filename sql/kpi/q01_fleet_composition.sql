-- Q1 Fleet composition
-- How many vehicles of each type are active, in maintenance or inactive, and what share of the
-- fleet and of its carrying capacity does each group hold? Vehicles in their state on the as-of date.
SELECT
    vehicle_type,
    status,
    COUNT(*) AS vehicles,
    SUM(capacity_kg) AS capacity_kg,
    ROUND(100.0 * COUNT(*) / SUM(COUNT(*)) OVER (), 2) AS pct_of_fleet
FROM vehicles
GROUP BY vehicle_type, status
ORDER BY vehicle_type, status;
