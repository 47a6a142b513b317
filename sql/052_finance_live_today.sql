-- Finance figures move the moment money does (a correction of sql/049 for the
-- two finance aggregates).
--
-- sql/049 made the daily aggregates refresh up to the end of the data, so that the
-- SLA questions stop re-aggregating the day's scans. The finance aggregates are not
-- bucketed by scan time but by the time a ledger row was written (sql/025: `at`):
-- with today materialised, a payment recorded or a claim paid stayed out of the
-- totals until the next 5-minute refresh, and the finance page showed the old
-- totals right after the person's own action. Their real-time part is the ledger
-- rows written in the last hour: a few per parcel, tiny beside the day's scans.
-- So they go back to stopping an hour before now.

SELECT remove_continuous_aggregate_policy(v) FROM unnest(ARRAY['finance_fees_daily', 'finance_compensation_daily']) AS v;
SELECT add_continuous_aggregate_policy(v, start_offset => INTERVAL '3 days', end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '5 minutes')
  FROM unnest(ARRAY['finance_fees_daily', 'finance_compensation_daily']) AS v;
