-- Runs in the ETL's local DuckDB over one batch of trips and deliveries (plus current routes).
-- One row per delivery with its measures and, when it fails validation, a reject reason.
-- Parameters: $tolerance (on-time minutes), $fuel_price, $driver_cost_per_hour,
-- $revenue_base, $revenue_per_kg, $revenue_per_km, $statuses (the delivery_status domain),
-- $utc_offset (hours from lake time to UTC: event_at is UTC).
-- Rules (fixing the classic defects): early deliveries are kept with delay 0; on time means
-- delivered <= scheduled + tolerance (NULL while not delivered); deliveries per hour is computed over
-- the whole trip (delivered stops / trip hours); costs are spread over all the trip's deliveries.
WITH delivery_counts AS (
    SELECT
        trip_id,
        count(*) AS n_deliveries,
        count(*) FILTER (WHERE delivery_status = 'delivered') AS n_delivered
    FROM deliveries
    GROUP BY trip_id
),
trip_stats AS (
    SELECT
        t.*,
        (epoch(t.arrival_datetime) - epoch(t.departure_datetime)) / 3600.0 AS trip_hours,
        coalesce(c.n_deliveries, 0) AS n_deliveries,
        coalesce(c.n_delivered, 0) AS n_delivered
    FROM trips t
    LEFT JOIN delivery_counts c ON c.trip_id = t.trip_id
),
joined AS (
    SELECT
        d.*,
        t.trip_id IS NOT NULL AS trip_found,
        t.vehicle_id, t.driver_id, t.route_id, t.departure_datetime, t.fuel_consumed_liters,
        t.trip_hours, t.n_deliveries, t.n_delivered,
        r.distance_km, r.toll_cost,
        count(*) OVER (PARTITION BY d.delivery_id) AS copies,
        d AS source_row
    FROM deliveries d
    LEFT JOIN trip_stats t ON t.trip_id = d.trip_id
    LEFT JOIN routes r ON r.route_id = t.route_id
)
SELECT
    delivery_id,
    trip_id,
    tracking_number,
    vehicle_id,
    driver_id,
    route_id,
    customer_id,
    CAST(coalesce(year(coalesce(scheduled_datetime, departure_datetime)) * 10000
                  + month(coalesce(scheduled_datetime, departure_datetime)) * 100
                  + day(coalesce(scheduled_datetime, departure_datetime)), -1) AS INTEGER) AS date_key,
    coalesce(hour(scheduled_datetime) * 100 + minute(scheduled_datetime), -1) AS scheduled_time_key,
    coalesce(hour(delivered_datetime) * 100 + minute(delivered_datetime), -1) AS delivered_time_key,
    CAST(departure_datetime AS DATE) AS partition_date,  -- the lake's partition rule for deliveries
    coalesce(scheduled_datetime, departure_datetime) + to_hours(CAST($utc_offset AS BIGINT))
        AS event_at,
    package_weight_kg,
    distance_km,
    fuel_consumed_liters,
    CAST(floor((epoch(delivered_datetime) - epoch(departure_datetime)) / 60) AS INTEGER)
        AS delivery_time_minutes,
    CASE WHEN delivered_datetime IS NOT NULL AND scheduled_datetime IS NOT NULL
         THEN CAST(greatest(0, floor((epoch(delivered_datetime) - epoch(scheduled_datetime)) / 60))
                   AS INTEGER)
    END AS delay_minutes,
    CAST(CASE WHEN trip_hours > 0 THEN n_delivered / trip_hours END AS DECIMAL(10, 4))
        AS deliveries_per_hour,
    CAST(CASE WHEN fuel_consumed_liters > 0 THEN distance_km / fuel_consumed_liters END
         AS DECIMAL(10, 4)) AS fuel_efficiency_km_per_liter,
    CAST((coalesce(fuel_consumed_liters, 0) * $fuel_price + coalesce(toll_cost, 0)
          + coalesce(trip_hours, 0) * $driver_cost_per_hour) / greatest(n_deliveries, 1)
         AS DECIMAL(14, 2)) AS cost_per_delivery,
    CAST($revenue_base + coalesce(package_weight_kg, 0) * $revenue_per_kg
         + coalesce(distance_km, 0) * $revenue_per_km / greatest(n_deliveries, 1)
         AS DECIMAL(14, 2)) AS revenue_per_delivery,
    CASE WHEN delivered_datetime IS NOT NULL
         THEN delivered_datetime <= scheduled_datetime + to_minutes(CAST($tolerance AS BIGINT))
    END AS is_on_time,
    recipient_signature AS has_signature,
    delivery_status,
    source_row,
    CASE
        WHEN copies > 1 THEN 'duplicate delivery_id in the batch'
        WHEN NOT trip_found THEN 'trip not found in the batch'
        WHEN delivery_status IS NULL OR NOT list_contains($statuses, delivery_status)
            THEN 'delivery_status not in domain'
        WHEN package_weight_kg < 0 THEN 'negative package weight'
        WHEN delivered_datetime < departure_datetime THEN 'delivered before the trip departed'
        WHEN delivery_status = 'delivered' AND delivered_datetime IS NULL
            THEN 'delivered without delivered_datetime'
    END AS reject_reason
FROM joined
