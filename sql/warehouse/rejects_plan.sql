-- Rejects plan (before the transaction): the staged rejected rows this load records, counted and
-- then inserted by load_bookkeeping.sql. An event is immutable and keyed by event_id: one rejected
-- by an earlier load is not recorded again when its grown delivery_events partition is re-read.
CREATE OR REPLACE TEMPORARY TABLE plan_etl_rejects AS
SELECT source_table, natural_key, reason, payload FROM stg_etl_rejects s
WHERE s.source_table <> 'delivery_events' OR NOT EXISTS (
    SELECT 1 FROM etl_rejects r
    WHERE r.source_table = s.source_table AND r.natural_key = s.natural_key
)
