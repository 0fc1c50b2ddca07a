-- fleetlake warehouse: a star schema around fact_deliveries, with SCD2 vehicle and driver dimensions.
-- Portable across DuckDB and Snowflake. All timestamps are UTC (the lake's Colombia time + 5 h).
-- Validity windows are half-open [valid_from, valid_to); the current version has valid_to 9999-12-31.

CREATE TABLE IF NOT EXISTS dim_date (
    date_key INTEGER NOT NULL,          -- YYYYMMDD; -1 = unknown
    full_date DATE,
    year INTEGER,
    quarter INTEGER,
    month INTEGER,
    month_name VARCHAR,
    day_of_month INTEGER,
    day_of_week INTEGER,                -- ISO: 1 = Monday ... 7 = Sunday
    day_name VARCHAR,
    week_of_year INTEGER,
    is_weekend BOOLEAN,
    is_holiday BOOLEAN,                 -- Colombian public holiday
    holiday_name VARCHAR
);

CREATE TABLE IF NOT EXISTS dim_time (
    time_key INTEGER NOT NULL,          -- hour * 100 + minute; -1 = unknown
    hour INTEGER,
    minute INTEGER,
    time_of_day VARCHAR,                -- Madrugada / Mañana / Tarde / Noche
    shift VARCHAR,                      -- Turno 1 (06-14) / Turno 2 (14-22) / Nocturno
    is_business_hour BOOLEAN            -- 08:00-17:59
);

CREATE TABLE IF NOT EXISTS dim_vehicle (
    vehicle_key BIGINT NOT NULL,
    vehicle_id INTEGER NOT NULL,
    license_plate VARCHAR,
    vehicle_type VARCHAR,
    capacity_kg DECIMAL(10, 2),
    fuel_type VARCHAR,
    acquisition_date DATE,
    status VARCHAR,
    row_hash VARCHAR NOT NULL,
    valid_from TIMESTAMP NOT NULL,
    valid_to TIMESTAMP NOT NULL,
    is_current BOOLEAN NOT NULL,
    etl_batch_id BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS dim_driver (
    driver_key BIGINT NOT NULL,
    driver_id INTEGER NOT NULL,
    employee_code VARCHAR,
    first_name VARCHAR,
    last_name VARCHAR,
    license_number VARCHAR,
    license_expiry DATE,
    phone VARCHAR,
    hire_date DATE,
    status VARCHAR,
    row_hash VARCHAR NOT NULL,
    valid_from TIMESTAMP NOT NULL,
    valid_to TIMESTAMP NOT NULL,
    is_current BOOLEAN NOT NULL,
    etl_batch_id BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS dim_route (
    route_key BIGINT NOT NULL,
    route_id INTEGER NOT NULL,
    route_code VARCHAR,
    origin_city VARCHAR,
    destination_city VARCHAR,
    distance_km DECIMAL(10, 2),
    estimated_duration_hours DECIMAL(5, 2),
    toll_cost DECIMAL(10, 2),
    row_hash VARCHAR NOT NULL,
    source_updated_at TIMESTAMP NOT NULL,
    etl_batch_id BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS dim_customer (
    customer_key BIGINT NOT NULL,
    customer_id INTEGER NOT NULL,
    customer_name VARCHAR,
    customer_type VARCHAR,
    city VARCHAR,
    address VARCHAR,
    row_hash VARCHAR NOT NULL,
    source_updated_at TIMESTAMP NOT NULL,
    etl_batch_id BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS fact_deliveries (
    delivery_key BIGINT NOT NULL,
    date_key INTEGER NOT NULL,
    scheduled_time_key INTEGER NOT NULL,
    delivered_time_key INTEGER NOT NULL,
    vehicle_key BIGINT NOT NULL,
    driver_key BIGINT NOT NULL,
    route_key BIGINT NOT NULL,
    customer_key BIGINT NOT NULL,
    -- The natural ids behind the keys: a fact loaded before its vehicle, driver, route or customer
    -- (on the unknown member, -1) is re-pointed when that member's first version arrives.
    vehicle_id INTEGER,
    driver_id INTEGER,
    route_id INTEGER,
    customer_id INTEGER,
    partition_date DATE,                -- the lake partition (trip departure day) it was loaded from
    delivery_id INTEGER NOT NULL,
    trip_id INTEGER,
    tracking_number VARCHAR,
    package_weight_kg DECIMAL(10, 2),
    distance_km DECIMAL(10, 2),
    fuel_consumed_liters DECIMAL(10, 2),
    delivery_time_minutes INTEGER,
    delay_minutes INTEGER,
    deliveries_per_hour DECIMAL(10, 4),
    fuel_efficiency_km_per_liter DECIMAL(10, 4),
    cost_per_delivery DECIMAL(14, 2),
    revenue_per_delivery DECIMAL(14, 2),
    is_on_time BOOLEAN,
    has_signature BOOLEAN,
    delivery_status VARCHAR,
    event_at TIMESTAMP NOT NULL,        -- the point in time the dimension versions are looked up at
    row_hash VARCHAR NOT NULL,
    etl_batch_id BIGINT NOT NULL,
    etl_timestamp TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS etl_runs (
    run_id BIGINT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL,
    status VARCHAR NOT NULL,
    rows_read BIGINT NOT NULL,
    rows_inserted BIGINT NOT NULL,
    rows_updated BIGINT NOT NULL,
    rows_rejected BIGINT NOT NULL,
    partitions_read INTEGER NOT NULL,
    lake VARCHAR,                       -- where the batch was read
    lake_identity VARCHAR               -- which lake: seed, sf, start, generator version
);

CREATE TABLE IF NOT EXISTS etl_watermark (
    lake_table VARCHAR NOT NULL,
    partition_date DATE NOT NULL,
    sha256 VARCHAR NOT NULL,
    row_count BIGINT NOT NULL,
    run_id BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS etl_rejects (
    run_id BIGINT NOT NULL,
    source_table VARCHAR NOT NULL,
    natural_key VARCHAR,
    reason VARCHAR NOT NULL,
    payload VARCHAR
);
