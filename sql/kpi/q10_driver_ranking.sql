-- Q10 Driver ranking by punctuality, fuel efficiency and productivity
-- Over completed trips up to the as-of date, how does each driver rank on punctuality (share of
-- delivered packages on time), fuel efficiency (km per litre) and productivity (deliveries per
-- trip), and overall (sum of the three ranks; ties broken by driver_id)?
-- Delivery counts and trip measures are aggregated per driver separately, then joined
-- (no fan-out).
WITH delivery_totals AS (
    SELECT
        t.driver_id,
        COUNT(*) AS deliveries,
        SUM(CASE WHEN d.delivered_datetime IS NOT NULL THEN 1 ELSE 0 END) AS delivered,
        SUM(
            CASE
                WHEN d.delivered_datetime
                    <= d.scheduled_datetime + CAST(:tolerance_minutes AS INTEGER) * INTERVAL '1 minute'
                THEN 1 ELSE 0
            END
        ) AS on_time
    FROM deliveries d
    JOIN trips t ON t.trip_id = d.trip_id
    WHERE t.status = 'completed'
        AND t.departure_datetime < CAST(:as_of AS DATE) + 1
    GROUP BY t.driver_id
),
trip_totals AS (
    SELECT
        t.driver_id,
        COUNT(*) AS trips,
        SUM(r.distance_km) AS km,
        SUM(t.fuel_consumed_liters) AS fuel_liters
    FROM trips t
    JOIN routes r ON r.route_id = t.route_id
    WHERE t.status = 'completed'
        AND t.departure_datetime < CAST(:as_of AS DATE) + 1
    GROUP BY t.driver_id
),
scores AS (
    SELECT
        tt.driver_id,
        tt.trips,
        ROUND(100.0 * COALESCE(dt.on_time, 0) / NULLIF(dt.delivered, 0), 2) AS on_time_pct,
        ROUND(tt.km / NULLIF(tt.fuel_liters, 0), 2) AS km_per_liter,
        ROUND(1.0 * COALESCE(dt.deliveries, 0) / tt.trips, 2) AS deliveries_per_trip
    FROM trip_totals tt
    LEFT JOIN delivery_totals dt ON dt.driver_id = tt.driver_id
),
ranks AS (
    SELECT
        s.*,
        RANK() OVER (ORDER BY on_time_pct DESC NULLS LAST) AS punctuality_rank,
        RANK() OVER (ORDER BY km_per_liter DESC NULLS LAST) AS efficiency_rank,
        RANK() OVER (ORDER BY deliveries_per_trip DESC NULLS LAST) AS productivity_rank
    FROM scores s
)
SELECT
    ROW_NUMBER() OVER (
        ORDER BY punctuality_rank + efficiency_rank + productivity_rank, rk.driver_id
    ) AS overall_rank,
    rk.driver_id,
    dr.first_name,
    dr.last_name,
    rk.trips,
    rk.on_time_pct,
    rk.km_per_liter,
    rk.deliveries_per_trip,
    rk.punctuality_rank,
    rk.efficiency_rank,
    rk.productivity_rank
FROM ranks rk
JOIN drivers dr ON dr.driver_id = rk.driver_id
ORDER BY overall_rank;
