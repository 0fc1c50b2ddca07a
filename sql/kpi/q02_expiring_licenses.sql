-- Q2 Driver licences expiring within 30 days
-- Which active drivers must renew their licence in the 30 days from the as-of date (inclusive),
-- and how many days does each have left?
SELECT
    driver_id,
    employee_code,
    first_name,
    last_name,
    license_number,
    license_expiry,
    license_expiry - CAST(:as_of AS DATE) AS days_to_expiry
FROM drivers
WHERE status = 'active'
    AND license_expiry >= CAST(:as_of AS DATE)
    AND license_expiry <= CAST(:as_of AS DATE) + 30
ORDER BY license_expiry, driver_id;
