-- migrate:no-transaction
-- Events per hub per hour by type, rolled up from events_per_minute (a hierarchical
-- continuous aggregate). The live KPIs add up today's and yesterday's counters
-- from whole hours here plus the minutes of the hour under way, instead of a
-- day's worth of per-minute rows twice a second.
CREATE MATERIALIZED VIEW events_per_hour
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 hour', bucket) AS bucket,
       hub_code,
       type,
       sum(events)::bigint AS events
FROM events_per_minute
GROUP BY 1, 2, 3
WITH NO DATA;

SELECT add_continuous_aggregate_policy('events_per_hour',
  start_offset => INTERVAL '3 days',
  end_offset => INTERVAL '1 hour',
  schedule_interval => INTERVAL '5 minutes');
