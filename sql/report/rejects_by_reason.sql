-- Rows the warehouse ETL rejected, counted by source table and reason.
SELECT source_table, reason, COUNT(*) AS rejects
FROM etl_rejects
GROUP BY source_table, reason
ORDER BY rejects DESC, source_table, reason;
