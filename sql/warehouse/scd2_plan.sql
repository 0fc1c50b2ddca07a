-- SCD2 plan for one dimension, computed before the load's transaction (under the load lock).
-- The batch's versions are merged into the existing history of the keys they touch:
--   * a staged row whose (natural key, valid_from) is already loaded is skipped (reruns are no-ops);
--   * a new row identical to the version just before it (same hash) is dropped (no change);
--   * every window is re-derived as [valid_from, next valid_from), the last one open (9999-12-31),
--     so several changes in one batch chain in order and a back-dated change lands at its place.
-- Existing versions keep their surrogate keys; only their valid_to/is_current may change (close).
-- New versions get keys after the current maximum, in (natural key, valid_from) order.
CREATE OR REPLACE TEMPORARY TABLE {plan} AS
WITH batch AS (
    SELECT s.{natural_key}, s.valid_from, s.row_hash
    FROM {stage} s
    WHERE NOT EXISTS (
        SELECT 1 FROM {dim} d
        WHERE d.{natural_key} = s.{natural_key} AND d.valid_from = s.valid_from
    )
),
timeline AS (
    SELECT d.{natural_key}, d.valid_from, d.row_hash, d.{key} AS existing_key
    FROM {dim} d
    WHERE d.{natural_key} IN (SELECT {natural_key} FROM batch)
    UNION ALL
    SELECT {natural_key}, valid_from, row_hash, NULL FROM batch
),
kept AS (
    SELECT *
    FROM timeline
    QUALIFY existing_key IS NOT NULL
        OR row_hash IS DISTINCT FROM
           LAG(row_hash) OVER (PARTITION BY {natural_key} ORDER BY valid_from)
),
windows AS (
    SELECT
        *,
        COALESCE(LEAD(valid_from) OVER (PARTITION BY {natural_key} ORDER BY valid_from),
                 TIMESTAMP '9999-12-31 00:00:00') AS new_valid_to
    FROM kept
)
SELECT
    {natural_key},
    valid_from,
    row_hash,
    existing_key,
    new_valid_to AS valid_to,
    new_valid_to = TIMESTAMP '9999-12-31 00:00:00' AS is_current,
    CASE WHEN existing_key IS NULL THEN
        (SELECT COALESCE(MAX({key}), 0) FROM {dim} WHERE {key} > 0)
        + ROW_NUMBER() OVER (PARTITION BY existing_key IS NULL ORDER BY {natural_key}, valid_from)
    END AS new_key
FROM windows;

-- Staged rows whose (natural key, valid_from) is already loaded with different attributes would
-- rewrite history: scd2_reject_conflicts.sql rejects them (the loaded version stays); their count
-- is the run's SCD2 rejects.
CREATE OR REPLACE TEMPORARY TABLE {plan}_conflicts AS
SELECT s.{natural_key}
FROM {stage} s
JOIN {dim} d ON d.{natural_key} = s.{natural_key} AND d.valid_from = s.valid_from
WHERE d.row_hash <> s.row_hash
