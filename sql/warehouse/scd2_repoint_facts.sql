-- After new versions of a dimension were inserted (same transaction): facts at or after the
-- earliest new version of a key move to the version valid at their event time. Normal loads touch
-- only the newest facts; a back-dated change re-points the facts it affects.
UPDATE fact_deliveries
SET {key} = v.{key}
FROM {dim} old_version,
     {dim} v,
     (SELECT {natural_key}, MIN(valid_from) AS since
      FROM {plan} WHERE existing_key IS NULL GROUP BY {natural_key}) changed
WHERE fact_deliveries.{key} = old_version.{key}
  AND old_version.{natural_key} = changed.{natural_key}
  AND fact_deliveries.event_at >= changed.since
  AND v.{natural_key} = changed.{natural_key}
  AND fact_deliveries.event_at >= v.valid_from
  AND fact_deliveries.event_at < v.valid_to
  AND fact_deliveries.{key} <> v.{key}
