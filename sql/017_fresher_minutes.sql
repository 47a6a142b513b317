-- events_per_minute is what the live KPIs read, and its real-time part aggregates
-- every raw event after the last refreshed minute on every read. With a refresh
-- a minute (ending a minute ago) that tail was 1 to 3 minutes of events: at
-- 5,000 events/s up to 900,000 rows summed several times a second, which kept the
-- embedded database saturated in the soak benchmark. Refreshing every 15 s up to
-- the last whole minute keeps it to the minute under way plus at most 15 s;
-- each refresh sums only the new minutes, once.
SELECT remove_continuous_aggregate_policy('events_per_minute');
SELECT add_continuous_aggregate_policy('events_per_minute',
  start_offset => INTERVAL '3 days',
  end_offset => INTERVAL '0 seconds',
  schedule_interval => INTERVAL '15 seconds');
