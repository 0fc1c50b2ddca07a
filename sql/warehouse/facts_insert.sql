-- Upsert step 2 (same transaction, after the dimensions): insert planned deliveries, each pointing
-- to the dimension versions valid at its event time (half-open windows), or to the unknown member.
-- Parameters: the run id, the run's timestamp (UTC).
INSERT INTO fact_deliveries (
    delivery_key, date_key, scheduled_time_key, delivered_time_key,
    vehicle_key, driver_key, route_key, customer_key,
    vehicle_id, driver_id, route_id, customer_id, partition_date,
    delivery_id, trip_id, tracking_number,
    package_weight_kg, distance_km, fuel_consumed_liters, delivery_time_minutes, delay_minutes,
    deliveries_per_hour, fuel_efficiency_km_per_liter, cost_per_delivery, revenue_per_delivery,
    is_on_time, has_signature, delivery_status, event_at, row_hash, etl_batch_id, etl_timestamp
)
SELECT
    p.delivery_key, s.date_key, s.scheduled_time_key, s.delivered_time_key,
    COALESCE(v.vehicle_key, -1), COALESCE(dr.driver_key, -1),
    COALESCE(r.route_key, -1), COALESCE(c.customer_key, -1),
    s.vehicle_id, s.driver_id, s.route_id, s.customer_id, s.partition_date,
    s.delivery_id, s.trip_id, s.tracking_number,
    s.package_weight_kg, s.distance_km, s.fuel_consumed_liters, s.delivery_time_minutes,
    s.delay_minutes, s.deliveries_per_hour, s.fuel_efficiency_km_per_liter, s.cost_per_delivery,
    s.revenue_per_delivery, s.is_on_time, s.has_signature, s.delivery_status, s.event_at,
    s.row_hash, ?, ?
FROM plan_fact_deliveries p
JOIN stg_fact_deliveries s ON s.delivery_id = p.delivery_id
LEFT JOIN dim_vehicle v
    ON v.vehicle_id = s.vehicle_id AND s.event_at >= v.valid_from AND s.event_at < v.valid_to
LEFT JOIN dim_driver dr
    ON dr.driver_id = s.driver_id AND s.event_at >= dr.valid_from AND s.event_at < dr.valid_to
LEFT JOIN dim_route r ON r.route_id = s.route_id
LEFT JOIN dim_customer c ON c.customer_id = s.customer_id
