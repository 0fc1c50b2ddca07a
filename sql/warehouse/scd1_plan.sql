-- SCD1 plan for one dimension (before the transaction): the latest staged row per key, kept when
-- the key is new, or newer than the loaded row and different from it. Older (late) rows never
-- overwrite newer attributes. Keys are stable; new keys follow the current maximum.
CREATE OR REPLACE TEMPORARY TABLE {plan} AS
WITH latest AS (
    SELECT *
    FROM {stage}
    QUALIFY ROW_NUMBER() OVER (PARTITION BY {natural_key} ORDER BY valid_from DESC) = 1
)
SELECT
    l.{natural_key},
    l.valid_from,
    d.{key} AS existing_key,
    CASE WHEN d.{key} IS NULL THEN
        (SELECT COALESCE(MAX({key}), 0) FROM {dim} WHERE {key} > 0)
        + ROW_NUMBER() OVER (PARTITION BY d.{key} IS NULL ORDER BY l.{natural_key})
    END AS new_key
FROM latest l
LEFT JOIN {dim} d ON d.{natural_key} = l.{natural_key}
WHERE d.{key} IS NULL OR (l.valid_from > d.source_updated_at AND l.row_hash <> d.row_hash)
