-- fact_delivery_events: one row per delivery status event from the real-time path (transaction
-- grain; `fleetlake compact` puts them in the lake table delivery_events). Events are immutable:
-- rows are only ever inserted, keyed by the device's event_id. delivery_id is degenerate and
-- drills across to fact_deliveries (one row per delivery); the latest event of a delivery is its
-- real-time status. Portable across DuckDB and Snowflake; timestamps UTC.
CREATE TABLE IF NOT EXISTS fact_delivery_events (
    delivery_event_key BIGINT NOT NULL,
    event_id VARCHAR NOT NULL,          -- degenerate: the event's id (unique)
    delivery_id INTEGER NOT NULL,       -- degenerate: the delivery (fact_deliveries.delivery_id)
    date_key INTEGER NOT NULL,          -- local calendar day of the event
    time_key INTEGER NOT NULL,          -- local minute of the event
    vehicle_key BIGINT NOT NULL,        -- the reporting vehicle's version at the event; -1 unknown
    vehicle_id INTEGER,                 -- its natural id: re-pointed when a new version arrives
    delivery_status VARCHAR NOT NULL,
    has_signature BOOLEAN,
    is_final BOOLEAN NOT NULL,          -- delivered, failed or cancelled
    event_at TIMESTAMP NOT NULL,
    etl_batch_id BIGINT NOT NULL,
    etl_timestamp TIMESTAMP NOT NULL
)
