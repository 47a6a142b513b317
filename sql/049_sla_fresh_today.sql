-- The day under way is materialised too, so the real-time part of the daily
-- aggregates stays small on both engines (issue 14, item 3).
--
-- Until now the daily aggregates' policies stopped an hour before now
-- (end_offset '1 hour'), which for a daily bucket means: never today. Today's day
-- then always came from the real-time part, which re-aggregates every raw scan of
-- the day (joined with its shipment) on every question: on a TimescaleDB server
-- 0.2-2 s per SLA question with 32k parcels (19,451 buffers against 1 for the
-- stored part), and more the busier the day. The embedded benchmark never showed
-- it because it refreshed everything before measuring.
--
-- Now the policies refresh up to the end of the data (end_offset NULL), today's
-- bucket included, every 5 minutes. The watermark is then the end of today and the
-- real-time part holds only what comes after it: nothing, or the minutes after
-- midnight before the first refresh of the new day. The price is a refresh lag:
-- parcels closed since the last run (at most 5 minutes and the run's own time) are
-- not in today's figures yet. TimescaleDB records scans written into a
-- materialised bucket as invalidations, and the next run recomputes that bucket.
--
-- The hierarchical children (022, 026, refreshed by 037's job) go to the end of the
-- data as well. Their parents' real-time part is now empty, so the job no longer
-- switches the parents to materialized-only while it runs: that ALTER took an
-- ACCESS EXCLUSIVE lock on four views, which on a server queued every reader
-- behind it and could deadlock with a question reading two of them.
-- Hourly and minute aggregates keep their policies: their real-time part is at most
-- two hours of minute rows.

SELECT remove_continuous_aggregate_policy(v) FROM unnest(ARRAY['sla_daily', 'sla_transit_lane_daily', 'sla_transit_tier_daily',
  'finance_fees_daily', 'finance_compensation_daily']) AS v;
SELECT add_continuous_aggregate_policy(v, start_offset => INTERVAL '3 days', end_offset => NULL, schedule_interval => INTERVAL '5 minutes')
  FROM unnest(ARRAY['sla_daily', 'sla_transit_lane_daily', 'sla_transit_tier_daily', 'finance_fees_daily', 'finance_compensation_daily']) AS v;

CREATE OR REPLACE PROCEDURE sla_refresh_children_between(window_start timestamptz, window_end timestamptz, forced boolean)
LANGUAGE plpgsql AS $$
BEGIN
  CALL refresh_continuous_aggregate('sla_outcome_daily', window_start, window_end, force => forced);
  CALL refresh_continuous_aggregate('sla_hub_daily', window_start, window_end, force => forced);
  CALL refresh_continuous_aggregate('sla_courier_daily', window_start, window_end, force => forced);
  CALL refresh_continuous_aggregate('sla_lane_hist_daily', window_start, window_end, force => forced);
  CALL refresh_continuous_aggregate('sla_lane_hist_weekly', window_start - INTERVAL '14 days', window_end, force => forced);
  CALL refresh_continuous_aggregate('sla_lane_daily', window_start, window_end, force => forced);
  CALL refresh_continuous_aggregate('sla_lane_weekly', window_start - INTERVAL '14 days', window_end, force => forced);
END
$$;

-- Every 5 minutes, the last `days` (3) days up to the end of the data.
CREATE OR REPLACE PROCEDURE sla_refresh_children(job_id integer, config jsonb)
LANGUAGE plpgsql AS $$
BEGIN
  CALL sla_refresh_children_between(now() - coalesce((config ->> 'days')::integer, 3) * INTERVAL '1 day', NULL, false);
END
$$;
