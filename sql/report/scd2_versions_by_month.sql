-- SCD2 versions that became valid each month, per dimension (the unknown member, key -1, is left
-- out). The first month holds the initial load; later months show tracked attribute changes.
SELECT 'dim_vehicle' AS dimension, CAST(DATE_TRUNC('month', valid_from) AS DATE) AS month,
       COUNT(*) AS versions
FROM dim_vehicle
WHERE vehicle_key <> -1
GROUP BY 1, 2
UNION ALL
SELECT 'dim_driver', CAST(DATE_TRUNC('month', valid_from) AS DATE), COUNT(*)
FROM dim_driver
WHERE driver_key <> -1
GROUP BY 1, 2
ORDER BY month, dimension;
