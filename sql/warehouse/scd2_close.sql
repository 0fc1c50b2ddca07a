-- SCD2 step 1 (in the load's transaction): close the versions whose window the plan shortened.
UPDATE {dim}
SET valid_to = p.valid_to, is_current = p.is_current
FROM {plan} p
WHERE {dim}.{key} = p.existing_key
  AND ({dim}.valid_to <> p.valid_to OR {dim}.is_current <> p.is_current)
