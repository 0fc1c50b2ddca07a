-- Runs in the ETL's local DuckDB over one batch of a lake change log (registered as `changes`).
-- Every row gets its UTC validity start (lake time + $utc_offset hours), a NULL-safe hash of the
-- tracked columns and, when it fails validation, a reject reason. Exact duplicates are collapsed
-- (dup_rank); rows that share (natural key, updated_at) but differ are all rejected, loudly, before
-- anything is written.
WITH hashed AS (
    SELECT
        *,
        updated_at + to_hours(CAST($utc_offset AS BIGINT)) AS valid_from,
        md5({hash_input}) AS row_hash
    FROM changes
)
SELECT
    *,
    CASE
        WHEN {natural_key} IS NULL THEN 'missing natural key'
        WHEN updated_at IS NULL THEN 'missing updated_at'
        WHEN min(row_hash) OVER same_key <> max(row_hash) OVER same_key
            THEN 'conflicting duplicate: different rows for one key and updated_at'
        WHEN {status_invalid} THEN 'status not in domain'
    END AS reject_reason,
    row_number() OVER (PARTITION BY {natural_key}, updated_at ORDER BY row_hash) AS dup_rank
FROM hashed
WINDOW same_key AS (PARTITION BY {natural_key}, updated_at)
