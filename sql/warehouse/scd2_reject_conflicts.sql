-- In the load's transaction, before the SCD2 steps: the staged rows the plan found in conflict
-- with a loaded version (scd2_plan.sql) are rejected with the reason. Parameter: the run id.
INSERT INTO etl_rejects (run_id, source_table, natural_key, reason, payload)
SELECT ?, '{source}', CAST({natural_key} AS VARCHAR),
       'conflicts with the loaded version with the same updated_at', NULL
FROM {plan}_conflicts
