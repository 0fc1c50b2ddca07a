-- Runs in the ETL's local DuckDB over one batch of compacted delivery status events (lake table
-- delivery_events, naive Colombia time). One row per event and, when it fails validation, a reason.
-- Parameters: $utc_offset (hours from lake time to UTC: event_at is UTC), $statuses (the
-- delivery_status domain), $final_statuses (statuses that end a delivery).
-- date_key and time_key are the local calendar day and minute, as in fact_deliveries.
SELECT
    event_id,
    delivery_id,
    vehicle_id,
    delivery_status,
    recipient_signature AS has_signature,
    coalesce(list_contains($final_statuses, delivery_status), FALSE) AS is_final,
    CAST(year(event_time) * 10000 + month(event_time) * 100 + day(event_time) AS INTEGER)
        AS date_key,
    CAST(hour(event_time) * 100 + minute(event_time) AS INTEGER) AS time_key,
    event_time + to_hours(CAST($utc_offset AS BIGINT)) AS event_at,
    CAST(to_json(e) AS VARCHAR) AS payload,
    CASE
        -- Compaction keeps one row per event id; a second one means the id was reused.
        WHEN row_number() OVER (PARTITION BY event_id ORDER BY event_time, delivery_status) > 1
            THEN 'duplicate event_id in the batch'
        WHEN delivery_status IS NULL OR NOT list_contains($statuses, delivery_status)
            THEN 'delivery_status not in domain'
    END AS reject_reason
FROM delivery_events e
