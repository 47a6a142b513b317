-- migrate:no-transaction
-- Each courier's first and last scan per hour: the courier shift checks (late
-- start, early stop, manual 4.3.1 (5)) read a day of this, not the raw scans.
CREATE MATERIALIZED VIEW courier_activity_hourly
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 hour', event_time) AS bucket,
       courier_code,
       min(event_time) AS first_scan,
       max(event_time) AS last_scan,
       count(*) AS events
FROM scan_events
WHERE courier_code IS NOT NULL
GROUP BY bucket, courier_code
WITH NO DATA;

SELECT add_continuous_aggregate_policy('courier_activity_hourly',
  start_offset => INTERVAL '3 days',
  end_offset => INTERVAL '1 minute',
  schedule_interval => INTERVAL '5 minutes');
