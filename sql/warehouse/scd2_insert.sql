-- SCD2 step 2 (same transaction): insert the new versions. Parameter: the run id.
INSERT INTO {dim} ({key}, {natural_key}, {columns}, row_hash, valid_from, valid_to, is_current,
                   etl_batch_id)
SELECT p.new_key, s.{natural_key}, {stage_columns}, s.row_hash, s.valid_from, p.valid_to,
       p.is_current, ?
FROM {plan} p
JOIN {stage} s ON s.{natural_key} = p.{natural_key} AND s.valid_from = p.valid_from
WHERE p.existing_key IS NULL
