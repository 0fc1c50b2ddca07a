-- Fact plan (before the transaction): staged deliveries that are new or whose content changed
-- (a partition rewritten by `simulate` turns in-progress trips into completed ones). A delivery
-- keeps its surrogate key across updates; facts are upserted by delivery_id, never duplicated.
CREATE OR REPLACE TEMPORARY TABLE plan_fact_deliveries AS
SELECT
    s.delivery_id,
    COALESCE(
        f.delivery_key,
        (SELECT COALESCE(MAX(delivery_key), 0) FROM fact_deliveries)
        + ROW_NUMBER() OVER (PARTITION BY f.delivery_key IS NULL ORDER BY s.delivery_id)
    ) AS delivery_key,
    f.delivery_key IS NOT NULL AS is_update
FROM stg_fact_deliveries s
LEFT JOIN fact_deliveries f ON f.delivery_id = s.delivery_id
WHERE f.delivery_key IS NULL OR f.row_hash <> s.row_hash
