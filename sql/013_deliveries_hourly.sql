-- migrate:no-transaction
-- Deliveries per hour, tier and destination hub, with how many were on time
-- (delivered at or before the promised deadline). The live KPIs (on-time rate
-- today by tier) and the wall map's hub health read this, never raw scans.
-- The deadline is fixed at collection and only recomputed for open parcels, so
-- joining shipments here does not go stale for delivered ones.
CREATE MATERIALIZED VIEW deliveries_hourly
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 hour', e.event_time) AS bucket,
       s.tier,
       s.destination_hub AS hub_code,
       count(*) AS delivered,
       count(*) FILTER (WHERE e.event_time <= s.promised_deadline) AS on_time
FROM scan_events e
JOIN shipments s ON s.waybill = e.waybill
WHERE e.type = 'delivered'
GROUP BY bucket, s.tier, s.destination_hub
WITH NO DATA;

SELECT add_continuous_aggregate_policy('deliveries_hourly',
  start_offset => INTERVAL '3 days',
  end_offset => INTERVAL '1 hour',
  schedule_interval => INTERVAL '5 minutes');
