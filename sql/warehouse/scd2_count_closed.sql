-- How many existing versions the plan closes or reopens (rows_updated of the run).
SELECT COUNT(*)
FROM {plan} p
JOIN {dim} d ON d.{key} = p.existing_key
WHERE d.valid_to <> p.valid_to OR d.is_current <> p.is_current
