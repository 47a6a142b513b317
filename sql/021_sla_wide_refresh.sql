-- The SLA aggregates' policies (020) look back 3 days. Scans keep arriving later
-- than that (returns, a scanner that was offline), and the aggregates read the
-- shipment row at refresh time, which a later scan can change (a consignee
-- exception that turns a late parcel into an excused one) without invalidating
-- the closing day. So once a day this job refreshes the last `days` (35) days of
-- each SLA aggregate, forced (re-materialised even where nothing was invalidated).
-- A registered job: a real server schedules it, the embedded database runs it from
-- the run-db-policies job like the policies.
-- config: { "days": int, "force": bool }
CREATE PROCEDURE sla_refresh_wide(job_id integer, config jsonb)
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
END
$$;

SELECT add_job('sla_refresh_wide', INTERVAL '1 day', config => '{"days": 35, "force": true}'::jsonb);
