-- migrate:no-transaction
-- Continuous aggregates cannot be created inside a transaction block.
-- Events per hub per minute by type: the live KPIs and the per-minute chart
-- read this, never the raw hypertable. Real-time aggregation is on so the
-- minutes after the last refresh are still counted.
CREATE MATERIALIZED VIEW events_per_minute
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 minute', event_time) AS bucket,
       hub_code,
       type,
       count(*) AS events
FROM scan_events
GROUP BY bucket, hub_code, type
WITH NO DATA;

SELECT add_continuous_aggregate_policy('events_per_minute',
  start_offset => INTERVAL '3 days',
  end_offset => INTERVAL '1 minute',
  schedule_interval => INTERVAL '1 minute');
