-- FleetLogix OLTP schema for PostgreSQL, as loaded by `fleetlake pg load`.
--
-- Canonical FleetLogix tables with exactly the canonical column names and types, so SQL written
-- for the classic schema runs unchanged. Added over the classic schema:
--   * CHECK constraints for every value domain, and arrival_datetime >= departure_datetime;
--   * NOT NULL wherever the generated data guarantees a value;
--   * an index on every foreign key;
--   * extra columns: updated_at on entity tables, route coordinates, deliveries.customer_id,
--     and the customers table.
-- Timestamps are naive Colombia wall-clock time (UTC-5), as in the lake. Entity tables hold the
-- current state (latest version of each row); event tables hold every row.
--
-- The file runs as a whole (psql -f). The loader runs the part above the "after load" marker
-- before COPY and the part below it after COPY: building the key and foreign-key indexes and
-- checking the foreign keys once over the loaded rows is about twice as fast as maintaining
-- them row by row during COPY.

CREATE TABLE vehicles (
    vehicle_id        integer NOT NULL,
    license_plate     varchar(20) NOT NULL,
    vehicle_type      varchar(50) NOT NULL
        CHECK (vehicle_type IN ('Camión Grande', 'Camión Mediano', 'Van', 'Motocicleta')),
    capacity_kg       decimal(10,2) NOT NULL CHECK (capacity_kg > 0),
    fuel_type         varchar(20) NOT NULL CHECK (fuel_type IN ('diesel', 'gasolina')),
    acquisition_date  date NOT NULL,
    status            varchar(20) NOT NULL CHECK (status IN ('active', 'maintenance', 'inactive')),
    updated_at        timestamp NOT NULL
);

CREATE TABLE drivers (
    driver_id       integer NOT NULL,
    employee_code   varchar(20) NOT NULL,
    first_name      varchar(100) NOT NULL,
    last_name       varchar(100) NOT NULL,
    license_number  varchar(50) NOT NULL,
    license_expiry  date NOT NULL,
    phone           varchar(20) NOT NULL,
    hire_date       date NOT NULL,
    status          varchar(20) NOT NULL CHECK (status IN ('active', 'inactive')),
    updated_at      timestamp NOT NULL
);

CREATE TABLE routes (
    route_id                  integer NOT NULL,
    route_code                varchar(20) NOT NULL,
    origin_city               varchar(100) NOT NULL
        CHECK (origin_city IN ('Bogotá', 'Medellín', 'Cali', 'Barranquilla', 'Cartagena')),
    destination_city          varchar(100) NOT NULL
        CHECK (destination_city IN ('Bogotá', 'Medellín', 'Cali', 'Barranquilla', 'Cartagena')),
    distance_km               decimal(10,2) NOT NULL CHECK (distance_km > 0),
    estimated_duration_hours  decimal(5,2) NOT NULL CHECK (estimated_duration_hours > 0),
    toll_cost                 decimal(10,2) NOT NULL CHECK (toll_cost >= 0),
    origin_lat                double precision,
    origin_lon                double precision,
    destination_lat           double precision,
    destination_lon           double precision,
    updated_at                timestamp NOT NULL
);

CREATE TABLE customers (
    customer_id    integer NOT NULL,
    customer_name  varchar(200) NOT NULL,
    customer_type  varchar(20) NOT NULL
        CHECK (customer_type IN ('Individual', 'Empresa', 'Gobierno')),
    city           varchar(100) NOT NULL
        CHECK (city IN ('Bogotá', 'Medellín', 'Cali', 'Barranquilla', 'Cartagena')),
    address        text NOT NULL,
    updated_at     timestamp NOT NULL
);

CREATE TABLE trips (
    trip_id               integer NOT NULL,
    vehicle_id            integer NOT NULL,
    driver_id             integer NOT NULL,
    route_id              integer NOT NULL,
    departure_datetime    timestamp NOT NULL,
    arrival_datetime      timestamp,
    fuel_consumed_liters  decimal(10,2) CHECK (fuel_consumed_liters >= 0),
    total_weight_kg       decimal(10,2) CHECK (total_weight_kg >= 0),
    status                varchar(20) NOT NULL
        CHECK (status IN ('completed', 'in_progress', 'cancelled')),
    CHECK (arrival_datetime >= departure_datetime)
);

CREATE TABLE deliveries (
    delivery_id          integer NOT NULL,
    trip_id              integer NOT NULL,
    tracking_number      varchar(50) NOT NULL,
    customer_name        varchar(200) NOT NULL,
    delivery_address     text NOT NULL,
    package_weight_kg    decimal(10,2) CHECK (package_weight_kg > 0),
    scheduled_datetime   timestamp NOT NULL,
    delivered_datetime   timestamp,
    delivery_status      varchar(20) NOT NULL
        CHECK (delivery_status IN ('delivered', 'pending', 'in_transit', 'failed', 'cancelled')),
    recipient_signature  boolean NOT NULL,
    customer_id          integer NOT NULL
);

CREATE TABLE maintenance (
    maintenance_id         integer NOT NULL,
    vehicle_id             integer NOT NULL,
    maintenance_date       date NOT NULL,
    maintenance_type       varchar(50) NOT NULL
        CHECK (maintenance_type IN ('Cambio de aceite', 'Frenos', 'Llantas', 'Revisión general',
                                    'Motor', 'Alineación')),
    description            text,
    cost                   decimal(10,2) CHECK (cost >= 0),
    next_maintenance_date  date CHECK (next_maintenance_date >= maintenance_date),
    performed_by           varchar(200)
);

-- What was loaded, from which lake: read by `fleetlake kpi --engine postgres` for the default
-- as_of date (the last date in the data).
CREATE TABLE fleetlake_load (
    lake_uri       text NOT NULL,
    seed           bigint NOT NULL,
    sf             double precision NOT NULL,
    start_date     date NOT NULL,
    end_date       date NOT NULL,  -- exclusive: the last date in the data is end_date - 1
    loaded_at      timestamp with time zone NOT NULL DEFAULT now()
);

-- ---- after load ----------------------------------------------------------------------------
-- Keys, unique constraints, foreign keys and their indexes: built once over the loaded rows.

ALTER TABLE vehicles ADD PRIMARY KEY (vehicle_id), ADD UNIQUE (license_plate);
ALTER TABLE drivers
    ADD PRIMARY KEY (driver_id), ADD UNIQUE (employee_code), ADD UNIQUE (license_number);
ALTER TABLE routes ADD PRIMARY KEY (route_id), ADD UNIQUE (route_code);
ALTER TABLE customers ADD PRIMARY KEY (customer_id);
ALTER TABLE trips ADD PRIMARY KEY (trip_id);
ALTER TABLE deliveries ADD PRIMARY KEY (delivery_id), ADD UNIQUE (tracking_number);
ALTER TABLE maintenance ADD PRIMARY KEY (maintenance_id);

ALTER TABLE trips
    ADD FOREIGN KEY (vehicle_id) REFERENCES vehicles (vehicle_id),
    ADD FOREIGN KEY (driver_id) REFERENCES drivers (driver_id),
    ADD FOREIGN KEY (route_id) REFERENCES routes (route_id);
ALTER TABLE deliveries
    ADD FOREIGN KEY (trip_id) REFERENCES trips (trip_id),
    ADD FOREIGN KEY (customer_id) REFERENCES customers (customer_id);
ALTER TABLE maintenance
    ADD FOREIGN KEY (vehicle_id) REFERENCES vehicles (vehicle_id);

CREATE INDEX idx_trips_vehicle_id ON trips (vehicle_id);
CREATE INDEX idx_trips_driver_id ON trips (driver_id);
CREATE INDEX idx_trips_route_id ON trips (route_id);
CREATE INDEX idx_deliveries_trip_id ON deliveries (trip_id);
CREATE INDEX idx_deliveries_customer_id ON deliveries (customer_id);
CREATE INDEX idx_maintenance_vehicle_id ON maintenance (vehicle_id);
