-- In the load's transaction, before the SCD2 steps: a staged row whose (natural key, valid_from)
-- is already loaded with different attributes would rewrite history; it is rejected instead,
-- with the reason (the loaded version stays). Parameter: the run id.
INSERT INTO etl_rejects (run_id, source_table, natural_key, reason, payload)
SELECT ?, '{source}', CAST(s.{natural_key} AS VARCHAR),
       'conflicts with the loaded version with the same updated_at', NULL
FROM {stage} s
JOIN {dim} d ON d.{natural_key} = s.{natural_key} AND d.valid_from = s.valid_from
WHERE d.row_hash <> s.row_hash
