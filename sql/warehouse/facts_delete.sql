-- Upsert step 1 (in the load's transaction): remove the old rows of changed deliveries.
DELETE FROM fact_deliveries
WHERE delivery_id IN (SELECT delivery_id FROM plan_fact_deliveries WHERE is_update)
