-- Recommended extra indexes for the 12 KPIs, on top of the foreign-key indexes of schema.sql.
--
-- `fleetlake pg explain` runs every KPI with EXPLAIN (ANALYZE, BUFFERS) with and without these
-- indexes and reports, for each one, whether the planner used it and whether it made any KPI
-- faster. Candidates that do not help are kept here on purpose, so the report says so.
-- One statement per index; the name after CREATE INDEX is how the report refers to it.

-- Q4, Q6: windows of the last 60 days / 6 months on the trip's departure time.
CREATE INDEX IF NOT EXISTS idx_trips_departure_datetime ON trips (departure_datetime);

-- Q8: deliveries scheduled in the last 90 days.
CREATE INDEX IF NOT EXISTS idx_deliveries_scheduled_datetime ON deliveries (scheduled_datetime);

-- Q4, Q6, Q10: per-trip delivery aggregates answered from the index alone (index-only scan).
CREATE INDEX IF NOT EXISTS idx_deliveries_trip_covering
    ON deliveries (trip_id) INCLUDE (package_weight_kg, scheduled_datetime, delivered_datetime);

-- Q5, Q7, Q9, Q10: trips filtered on status.
CREATE INDEX IF NOT EXISTS idx_trips_status ON trips (status);

-- Q2: licences expiring in the next 30 days.
CREATE INDEX IF NOT EXISTS idx_drivers_license_expiry ON drivers (license_expiry);

-- Q9: maintenance cost per vehicle from the index alone.
CREATE INDEX IF NOT EXISTS idx_maintenance_vehicle_cost
    ON maintenance (vehicle_id) INCLUDE (maintenance_date, cost);
