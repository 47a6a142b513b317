-- migrate:no-transaction
-- Fee figures from a continuous aggregate over 024's ledger: fees by collection day,
-- tier, origin hub (region = its province, joined when read) and payment state
-- (compensation by payment day and reason: 035). Bucketed by the day the entries were
-- written (the ledgers' time); the finance day is a grouping column, indexed, so a
-- period reads its days in every bucket. A key whose entries cancel out (parcels 0)
-- is no figure: the reader drops it.
CREATE MATERIALIZED VIEW finance_fees_daily
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 day', at, 'Asia/Shanghai') AS written, collected_day, tier, origin_hub, state,
       sum(fen)::bigint AS fen, sum(parcels)::bigint AS parcels
FROM fee_ledger
GROUP BY 1, collected_day, tier, origin_hub, state
WITH NO DATA;
CREATE INDEX finance_fees_daily_day_idx ON finance_fees_daily (collected_day);

-- Entries are never back-dated, so the last 3 days cover everything not yet materialised.
SELECT add_continuous_aggregate_policy('finance_fees_daily',
  start_offset => INTERVAL '3 days', end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '5 minutes');
