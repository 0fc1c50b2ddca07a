-- SCD1 (same transaction): insert new keys. Parameter: the run id.
INSERT INTO {dim} ({key}, {natural_key}, {columns}, row_hash, source_updated_at, etl_batch_id)
SELECT p.new_key, s.{natural_key}, {stage_columns}, s.row_hash, s.valid_from, ?
FROM {plan} p
JOIN {stage} s ON s.{natural_key} = p.{natural_key} AND s.valid_from = p.valid_from
WHERE p.existing_key IS NULL
