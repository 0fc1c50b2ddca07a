-- One unknown member (key -1) per dimension, for facts whose reference is missing or not yet valid.
INSERT INTO dim_date (date_key, full_date, year, quarter, month, month_name, day_of_month,
                      day_of_week, day_name, week_of_year, is_weekend, is_holiday, holiday_name)
SELECT -1, NULL, NULL, NULL, NULL, 'Unknown', NULL, NULL, 'Unknown', NULL, FALSE, FALSE, NULL
WHERE NOT EXISTS (SELECT 1 FROM dim_date WHERE date_key = -1);

INSERT INTO dim_time (time_key, hour, minute, time_of_day, shift, is_business_hour)
SELECT -1, NULL, NULL, 'Unknown', 'Unknown', FALSE
WHERE NOT EXISTS (SELECT 1 FROM dim_time WHERE time_key = -1);

INSERT INTO dim_vehicle (vehicle_key, vehicle_id, license_plate, vehicle_type, status, row_hash,
                         valid_from, valid_to, is_current, etl_batch_id)
SELECT -1, -1, 'Unknown', 'Unknown', 'Unknown', 'unknown',
       TIMESTAMP '1900-01-01 00:00:00', TIMESTAMP '9999-12-31 00:00:00', TRUE, 0
WHERE NOT EXISTS (SELECT 1 FROM dim_vehicle WHERE vehicle_key = -1);

INSERT INTO dim_driver (driver_key, driver_id, employee_code, first_name, last_name, status,
                        row_hash, valid_from, valid_to, is_current, etl_batch_id)
SELECT -1, -1, 'Unknown', 'Unknown', 'Unknown', 'Unknown', 'unknown',
       TIMESTAMP '1900-01-01 00:00:00', TIMESTAMP '9999-12-31 00:00:00', TRUE, 0
WHERE NOT EXISTS (SELECT 1 FROM dim_driver WHERE driver_key = -1);

INSERT INTO dim_route (route_key, route_id, route_code, origin_city, destination_city, row_hash,
                       source_updated_at, etl_batch_id)
SELECT -1, -1, 'Unknown', 'Unknown', 'Unknown', 'unknown', TIMESTAMP '1900-01-01 00:00:00', 0
WHERE NOT EXISTS (SELECT 1 FROM dim_route WHERE route_key = -1);

INSERT INTO dim_customer (customer_key, customer_id, customer_name, customer_type, city, row_hash,
                          source_updated_at, etl_batch_id)
SELECT -1, -1, 'Unknown', 'Unknown', 'Unknown', 'unknown', TIMESTAMP '1900-01-01 00:00:00', 0
WHERE NOT EXISTS (SELECT 1 FROM dim_customer WHERE customer_key = -1);
