-- Warehouse ETL runs from the audit table, oldest first.
SELECT run_id, started_at, finished_at, status, rows_read, rows_inserted, rows_updated,
       rows_rejected
FROM etl_runs
ORDER BY run_id;
