-- Current state of an entity table: the latest version of each entity updated at or before a cutoff.
-- Entity tables (vehicles, drivers, routes, customers) are change logs: every date partition holds
-- the full rows of the entities created or changed that day, stamped with updated_at. This is the
-- one definition of "state as of a time", shared by Lake.current, the entity views of
-- Lake.register_duckdb (pg load) and the KPIs' DuckDB cache.
-- Filled in by fleetlake.lake.current.current_state_sql: {columns} the table's columns, {history}
-- its change log, {id_column} the entity id, {cutoff} a TIMESTAMP literal (NULL: no cutoff).
SELECT {columns}
FROM {history}
WHERE {cutoff} IS NULL OR updated_at <= {cutoff}
QUALIFY row_number() OVER (PARTITION BY {id_column} ORDER BY updated_at DESC) = 1
