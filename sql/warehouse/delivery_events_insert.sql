-- In the load's transaction: insert the planned new delivery events (delivery_events_plan.sql),
-- each pointing to the vehicle version valid at its event time (half-open windows) or to the
-- unknown member.
-- Parameters: the run id, the run's timestamp (UTC).
INSERT INTO fact_delivery_events (
    delivery_event_key, event_id, delivery_id, date_key, time_key, vehicle_key, vehicle_id,
    delivery_status, has_signature, is_final, event_at, etl_batch_id, etl_timestamp
)
SELECT
    (SELECT COALESCE(MAX(delivery_event_key), 0) FROM fact_delivery_events)
        + ROW_NUMBER() OVER (ORDER BY s.event_at, s.event_id),
    s.event_id, s.delivery_id, s.date_key, s.time_key, COALESCE(v.vehicle_key, -1), s.vehicle_id,
    s.delivery_status, s.has_signature, s.is_final, s.event_at, ?, ?
FROM plan_fact_delivery_events s
LEFT JOIN dim_vehicle v
    ON v.vehicle_id = s.vehicle_id AND s.event_at >= v.valid_from AND s.event_at < v.valid_to
