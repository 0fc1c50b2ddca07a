-- After new keys of an SCD1 dimension were inserted (same transaction): facts of {fact} (each fact
-- table carrying the natural id) loaded before the member existed (unknown member, -1) point to it
-- now, found by the natural id they carry.
UPDATE {fact}
SET {key} = p.new_key
FROM {plan} p
WHERE p.existing_key IS NULL
  AND {fact}.{natural_key} = p.{natural_key}
  AND {fact}.{key} = -1
