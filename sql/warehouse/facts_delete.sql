-- Upsert step 1 (in the load's transaction): remove the old rows of changed deliveries and the
-- facts the plan removes (deliveries gone from, or now rejected in, a reloaded partition).
DELETE FROM fact_deliveries
WHERE delivery_id IN (SELECT delivery_id FROM plan_fact_deliveries WHERE action <> 'insert')
