-- Fact plan (before the transaction), one row per fact to write or remove:
--   'insert': a staged delivery not loaded yet;
--   'update': a staged delivery whose content changed (a partition rewritten by `simulate` turns
--             in-progress trips into completed ones), or a fact written by an older fleetlake
--             (no partition_date: that load re-reads every partition); it keeps its surrogate key;
--   'delete': a fact of a reloaded lake partition whose delivery is no longer valid in it (gone
--             from the rewritten partition, or now rejected).
-- So after a load, the facts of every reloaded partition are exactly its valid deliveries; facts
-- are upserted by delivery_id, never duplicated.
CREATE OR REPLACE TEMPORARY TABLE plan_fact_deliveries AS
SELECT
    s.delivery_id,
    COALESCE(
        f.delivery_key,
        (SELECT COALESCE(MAX(delivery_key), 0) FROM fact_deliveries)
        + ROW_NUMBER() OVER (PARTITION BY f.delivery_key IS NULL ORDER BY s.delivery_id)
    ) AS delivery_key,
    CASE WHEN f.delivery_key IS NULL THEN 'insert' ELSE 'update' END AS action
FROM stg_fact_deliveries s
LEFT JOIN fact_deliveries f ON f.delivery_id = s.delivery_id
WHERE f.delivery_key IS NULL OR f.row_hash <> s.row_hash OR f.partition_date IS NULL
UNION ALL
SELECT f.delivery_id, f.delivery_key, 'delete' AS action
FROM fact_deliveries f
WHERE (
        f.partition_date IN (
            SELECT partition_date FROM stg_etl_watermark WHERE lake_table IN ('trips', 'deliveries')
        )
        -- facts of an older fleetlake: their load stages every partition, so one not staged is gone
        OR f.partition_date IS NULL
    )
  AND NOT EXISTS (SELECT 1 FROM stg_fact_deliveries s WHERE s.delivery_id = f.delivery_id)
