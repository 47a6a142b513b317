-- segment_recent (sql/050) is read for the last two to three hours only (the
-- recent factor of server/domain/eta.ts), yet it gained a row per hour, kind,
-- place and tier for ever. As a hypertable of one-day chunks with a retention
-- policy, chunks older than two days are dropped (the embedded database runs the
-- policy from the run-db-policies job). A late scan that moves a segment ending
-- in a dropped hour re-creates that hour's row; the next run drops it again.
-- No default index: the primary key already leads with the hour.
SELECT create_hypertable('segment_recent', by_range('hour', INTERVAL '1 day'), create_default_indexes => false, migrate_data => true);
SELECT add_retention_policy('segment_recent', INTERVAL '2 days');
