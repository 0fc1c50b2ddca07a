-- Delivery events plan (before the transaction): the staged events the warehouse does not hold
-- yet, by event_id (a re-read lake partition adds only its new events). Counted for the run and
-- inserted by delivery_events_insert.sql.
CREATE OR REPLACE TEMPORARY TABLE plan_fact_delivery_events AS
SELECT s.*
FROM stg_fact_delivery_events s
WHERE NOT EXISTS (SELECT 1 FROM fact_delivery_events f WHERE f.event_id = s.event_id)
