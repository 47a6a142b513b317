-- The daily wide refresh (021, 023) now also re-materialises sla_lane_hist_weekly
-- (026), after the daily histograms it is made of.
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
  CALL refresh_continuous_aggregate('sla_outcome_daily', window_start, window_end, force => forced);
  CALL refresh_continuous_aggregate('sla_hub_daily', window_start, window_end, force => forced);
  CALL refresh_continuous_aggregate('sla_courier_daily', window_start, window_end, force => forced);
  CALL refresh_continuous_aggregate('sla_lane_hist_daily', window_start, window_end, force => forced);
  CALL refresh_continuous_aggregate('sla_lane_hist_weekly', window_start - INTERVAL '7 days', window_end, force => forced);
  CALL refresh_continuous_aggregate('sla_lane_daily', window_start, window_end, force => forced);
  CALL refresh_continuous_aggregate('sla_lane_weekly', window_start - INTERVAL '7 days', window_end, force => forced);
END
$$;
