-- migrate:no-transaction
-- Compensation by payment day and reason, a continuous aggregate over 034's ledger,
-- built like 025's fees (bucketed by write day, the payment day an indexed column).
CREATE MATERIALIZED VIEW finance_compensation_daily
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 day', at, 'Asia/Shanghai') AS written, paid_day, reason,
       sum(fen)::bigint AS fen, sum(claims)::bigint AS claims
FROM claim_ledger
GROUP BY 1, paid_day, reason
WITH NO DATA;
CREATE INDEX finance_compensation_daily_day_idx ON finance_compensation_daily (paid_day);

-- Entries are never back-dated, so the last 3 days cover everything not yet materialised.
SELECT add_continuous_aggregate_policy('finance_compensation_daily',
  start_offset => INTERVAL '3 days', end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '5 minutes');
