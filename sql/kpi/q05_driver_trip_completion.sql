-- Q5 Active drivers: total vs completed trips
-- For every active driver, how many trips did they start up to the as-of date, how many did
-- they complete, and what is their completion rate?
SELECT
    dr.driver_id,
    dr.employee_code,
    dr.first_name,
    dr.last_name,
    COUNT(t.trip_id) AS total_trips,
    SUM(CASE WHEN t.status = 'completed' THEN 1 ELSE 0 END) AS completed_trips,
    ROUND(
        100.0 * SUM(CASE WHEN t.status = 'completed' THEN 1 ELSE 0 END)
        / NULLIF(COUNT(t.trip_id), 0),
        2
    ) AS completion_pct
FROM drivers dr
LEFT JOIN trips t
    ON t.driver_id = dr.driver_id
    AND t.departure_datetime < CAST(:as_of AS DATE) + 1
WHERE dr.status = 'active'
GROUP BY dr.driver_id, dr.employee_code, dr.first_name, dr.last_name
ORDER BY total_trips DESC, dr.driver_id;
