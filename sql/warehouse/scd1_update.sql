-- SCD1 (in the load's transaction): overwrite changed attributes in place. Parameter: the run id.
UPDATE {dim}
SET {set_columns}, row_hash = s.row_hash, source_updated_at = s.valid_from, etl_batch_id = ?
FROM {plan} p, {stage} s
WHERE {dim}.{key} = p.existing_key
  AND s.{natural_key} = p.{natural_key}
  AND s.valid_from = p.valid_from
