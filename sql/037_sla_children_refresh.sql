-- The hierarchical SLA aggregates (022, 026) read their parents (sla_daily,
-- sla_transit_lane_daily, and sla_lane_daily / sla_lane_hist_daily for the weekly
-- ones) through the parents' views, real-time part included. So each refresh of a
-- child re-aggregated every raw scan since its parent's last materialised day
-- (TimescaleDB does not prune that branch here; see timescale/timescaledb#10071):
-- in the soak benchmark, 20 minutes into 5,000 events/s, each of sla_outcome_daily,
-- sla_hub_daily and sla_courier_daily took about 40 s every 5 minutes, holding the
-- embedded database while ingest waited (6 ms each with the parent's real-time part
-- off). A child's refresh only ever materialises complete days, which its parent
-- has materialised already, so nothing is lost by reading the parents'
-- materialised rows only: one job refreshes the children with the parents'
-- real-time part off for that time, and turns it back on. On a TimescaleDB server
-- readers of a parent see only its materialised rows for those few milliseconds;
-- the embedded database runs the job in one turn, so nobody sees it.
CREATE PROCEDURE sla_refresh_children_between(window_start timestamptz, window_end timestamptz, forced boolean)
LANGUAGE plpgsql AS $$
BEGIN
  ALTER MATERIALIZED VIEW sla_daily SET (timescaledb.materialized_only = true);
  ALTER MATERIALIZED VIEW sla_transit_lane_daily SET (timescaledb.materialized_only = true);
  ALTER MATERIALIZED VIEW sla_lane_daily SET (timescaledb.materialized_only = true);
  ALTER MATERIALIZED VIEW sla_lane_hist_daily SET (timescaledb.materialized_only = true);
  COMMIT;
  CALL refresh_continuous_aggregate('sla_outcome_daily', window_start, window_end, force => forced);
  CALL refresh_continuous_aggregate('sla_hub_daily', window_start, window_end, force => forced);
  CALL refresh_continuous_aggregate('sla_courier_daily', window_start, window_end, force => forced);
  CALL refresh_continuous_aggregate('sla_lane_hist_daily', window_start, window_end, force => forced);
  CALL refresh_continuous_aggregate('sla_lane_hist_weekly', window_start - INTERVAL '14 days', window_end, force => forced);
  CALL refresh_continuous_aggregate('sla_lane_daily', window_start, window_end, force => forced);
  CALL refresh_continuous_aggregate('sla_lane_weekly', window_start - INTERVAL '14 days', window_end, force => forced);
  ALTER MATERIALIZED VIEW sla_daily SET (timescaledb.materialized_only = false);
  ALTER MATERIALIZED VIEW sla_transit_lane_daily SET (timescaledb.materialized_only = false);
  ALTER MATERIALIZED VIEW sla_lane_daily SET (timescaledb.materialized_only = false);
  ALTER MATERIALIZED VIEW sla_lane_hist_daily SET (timescaledb.materialized_only = false);
  COMMIT;
END
$$;

-- Every 5 minutes, the last `days` (3) days, as the policies it replaces.
CREATE PROCEDURE sla_refresh_children(job_id integer, config jsonb)
LANGUAGE plpgsql AS $$
BEGIN
  CALL sla_refresh_children_between(now() - coalesce((config ->> 'days')::integer, 3) * INTERVAL '1 day', now() - INTERVAL '1 hour', false);
END
$$;

-- The daily wide refresh (021): the parents, then the children the same way.
CREATE OR REPLACE PROCEDURE sla_refresh_wide(job_id integer, config jsonb)
LANGUAGE plpgsql AS $$
DECLARE
  n_days integer := coalesce((config ->> 'days')::integer, 35);
  forced boolean := coalesce((config ->> 'force')::boolean, true);
  window_start timestamptz := now() - n_days * INTERVAL '1 day';
  window_end   timestamptz := now() - INTERVAL '1 hour';
BEGIN
  CALL refresh_continuous_aggregate('sla_daily', window_start, window_end, force => forced);
  CALL refresh_continuous_aggregate('sla_transit_lane_daily', window_start, window_end, force => forced);
  CALL refresh_continuous_aggregate('sla_transit_tier_daily', window_start, window_end, force => forced);
  CALL sla_refresh_children_between(window_start, window_end, forced);
END
$$;

SELECT remove_continuous_aggregate_policy(v) FROM unnest(ARRAY['sla_outcome_daily', 'sla_hub_daily', 'sla_courier_daily',
  'sla_lane_hist_daily', 'sla_lane_hist_weekly', 'sla_lane_daily', 'sla_lane_weekly']) AS v;
SELECT add_job('sla_refresh_children', INTERVAL '5 minutes', config => '{"days": 3}'::jsonb);
