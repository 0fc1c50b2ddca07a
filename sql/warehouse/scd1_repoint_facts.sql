-- After new keys of an SCD1 dimension were inserted (same transaction): facts loaded before the
-- member existed (unknown member, -1) point to it now, found by the natural id they carry.
UPDATE fact_deliveries
SET {key} = p.new_key
FROM {plan} p
WHERE p.existing_key IS NULL
  AND fact_deliveries.{natural_key} = p.{natural_key}
  AND fact_deliveries.{key} = -1
