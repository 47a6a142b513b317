-- migrate:no-transaction
-- Deliveries per MINUTE, tier and destination hub (on-time as in sql/013), and
-- deliveries_hourly rebuilt on top of it as a hierarchical continuous aggregate.
--
-- deliveries_hourly's real-time part joined every delivery since the last whole
-- materialised hour to shipments on each read: up to two hours of raw deliveries,
-- several times a second for the live KPIs and the wall map. In the soak benchmark
-- at 5,000 events/s it was the costliest query minutes into the hour and grew
-- with it. The live figures now read whole hours here and the hour under way from
-- deliveries_per_minute, refreshed every 15 s up to the last whole minute, so the
-- raw part is at most the minute under way plus 15 s.
CREATE MATERIALIZED VIEW deliveries_per_minute
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 minute', e.event_time) AS bucket,
       s.tier,
       s.destination_hub AS hub_code,
       count(*) AS delivered,
       count(*) FILTER (WHERE e.event_time <= s.promised_deadline) AS on_time
FROM scan_events e
JOIN shipments s ON s.waybill = e.waybill
WHERE e.type = 'delivered'
GROUP BY bucket, s.tier, s.destination_hub
WITH NO DATA;

SELECT add_continuous_aggregate_policy('deliveries_per_minute',
  start_offset => INTERVAL '3 days',
  end_offset => INTERVAL '0 seconds',
  schedule_interval => INTERVAL '15 seconds');

DROP MATERIALIZED VIEW deliveries_hourly;

CREATE MATERIALIZED VIEW deliveries_hourly
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 hour', bucket) AS bucket,
       tier,
       hub_code,
       sum(delivered)::bigint AS delivered,
       sum(on_time)::bigint AS on_time
FROM deliveries_per_minute
GROUP BY 1, 2, 3
WITH NO DATA;

SELECT add_continuous_aggregate_policy('deliveries_hourly',
  start_offset => INTERVAL '3 days',
  end_offset => INTERVAL '1 hour',
  schedule_interval => INTERVAL '5 minutes');

-- The live figures cover today and yesterday: materialise those days now rather
-- than leave them to the real-time part until the policies first run.
CALL refresh_continuous_aggregate('deliveries_per_minute', now() - INTERVAL '3 days', NULL);
CALL refresh_continuous_aggregate('deliveries_hourly', now() - INTERVAL '3 days', date_trunc('hour', now()));
