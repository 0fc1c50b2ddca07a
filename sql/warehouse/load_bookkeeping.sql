-- In the load's transaction, with the data: new calendar days, rejected rows, the watermark.
-- Parameter: the run id (statements with a placeholder).
INSERT INTO dim_date
SELECT * FROM stg_dim_date s WHERE NOT EXISTS (SELECT 1 FROM dim_date d WHERE d.date_key = s.date_key);

-- The rejected rows planned by rejects_plan.sql (events rejected before are left out).
INSERT INTO etl_rejects (run_id, source_table, natural_key, reason, payload)
SELECT ?, source_table, natural_key, reason, payload FROM plan_etl_rejects;

DELETE FROM etl_watermark
WHERE EXISTS (
    SELECT 1 FROM stg_etl_watermark s
    WHERE s.lake_table = etl_watermark.lake_table AND s.partition_date = etl_watermark.partition_date
);

INSERT INTO etl_watermark (lake_table, partition_date, sha256, row_count, run_id)
SELECT lake_table, partition_date, sha256, row_count, ? FROM stg_etl_watermark;
