-- Q10 Driver ranking by punctuality, fuel efficiency and productivity
-- Over completed trips up to the as-of date, how does each driver rank on punctuality (share of
-- delivered packages on time), fuel efficiency (km per litre) and productivity (deliveries per
-- trip), and overall (sum of the three ranks; ties broken by driver_id)?
WITH trip_deliveries AS (
    SELECT
        trip_id,
        COUNT(*) AS deliveries,
        SUM(CASE WHEN delivered_datetime IS NOT NULL THEN 1 ELSE 0 END) AS delivered,
        SUM(
            CASE
                WHEN delivered_datetime
                    <= scheduled_datetime + CAST(:tolerance_minutes AS INTEGER) * INTERVAL '1 minute'
                THEN 1 ELSE 0
            END
        ) AS on_time
    FROM deliveries
    GROUP BY trip_id
),
driver_totals AS (
    SELECT
        t.driver_id,
        COUNT(*) AS trips,
        SUM(r.distance_km) AS km,
        SUM(t.fuel_consumed_liters) AS fuel_liters,
        COALESCE(SUM(td.deliveries), 0) AS deliveries,
        COALESCE(SUM(td.delivered), 0) AS delivered,
        COALESCE(SUM(td.on_time), 0) AS on_time
    FROM trips t
    JOIN routes r ON r.route_id = t.route_id
    LEFT JOIN trip_deliveries td ON td.trip_id = t.trip_id
    WHERE t.status = 'completed'
        AND t.departure_datetime < CAST(:as_of AS DATE) + 1
    GROUP BY t.driver_id
),
scores AS (
    SELECT
        driver_id,
        trips,
        ROUND(100.0 * on_time / NULLIF(delivered, 0), 2) AS on_time_pct,
        ROUND(km / NULLIF(fuel_liters, 0), 2) AS km_per_liter,
        ROUND(1.0 * deliveries / trips, 2) AS deliveries_per_trip
    FROM driver_totals
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
