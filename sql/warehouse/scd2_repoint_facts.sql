-- After new versions of a dimension were inserted (same transaction): facts of {fact} (run for
-- each fact table carrying the natural id, model.FACT_NATURAL_KEYS) at or after the earliest new
-- version of a key move to the version valid at their event time. Facts are found by the natural
-- id they carry, so a fact on the unknown member (-1: loaded before the entity's first
-- version arrived, or before a back-dated first version) gets its version too. Normal loads touch
-- only the newest facts; a back-dated change re-points the facts it affects.
UPDATE {fact}
SET {key} = v.{key}
FROM {dim} v,
     (SELECT {natural_key}, MIN(valid_from) AS since
      FROM {plan} WHERE existing_key IS NULL GROUP BY {natural_key}) changed
WHERE {fact}.{natural_key} = changed.{natural_key}
  AND {fact}.event_at >= changed.since
  AND v.{natural_key} = changed.{natural_key}
  AND {fact}.event_at >= v.valid_from
  AND {fact}.event_at < v.valid_to
  AND {fact}.{key} <> v.{key}
