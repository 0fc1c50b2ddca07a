-- Per SCD2 dimension: entities, versions, current rows and the most versions one entity has.
-- A correct load has exactly one current row per entity (current_rows = entities).
WITH versions AS (
    SELECT 'dim_vehicle' AS dimension, vehicle_id AS natural_id, is_current
    FROM dim_vehicle WHERE vehicle_key <> -1
    UNION ALL
    SELECT 'dim_driver', driver_id, is_current
    FROM dim_driver WHERE driver_key <> -1
),
per_entity AS (
    SELECT dimension, natural_id, COUNT(*) AS versions,
           SUM(CASE WHEN is_current THEN 1 ELSE 0 END) AS current_rows
    FROM versions
    GROUP BY dimension, natural_id
)
SELECT dimension, COUNT(*) AS entities, SUM(versions) AS versions,
       SUM(current_rows) AS current_rows, MAX(versions) AS max_versions_per_entity
FROM per_entity
GROUP BY dimension
ORDER BY dimension DESC;
