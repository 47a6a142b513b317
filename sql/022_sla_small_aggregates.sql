-- migrate:no-transaction
-- Smaller SLA aggregates for the questions that do not need sla_daily's detail
-- (sla_daily is split by courier and cause, so the summary and the hub and province
-- breakdowns read a row per courier and cause they do not ask for; the lane
-- histogram holds about one row per delivered parcel). Hierarchical continuous
-- aggregates on top of 020's (supported by this TimescaleDB 2.23 build, tested),
-- same Beijing days, so every answer stays exactly what 020's gave (the property
-- test in test/integration/sla-aggregates.test.ts checks each against the raw tables).
--   sla_outcome_daily   day × tier × outcome × cause     summary, trend, causes
--   sla_hub_daily       day × tier × hub × outcome       breakdown by hub and province
--   sla_courier_daily   day × tier × courier × outcome   breakdown by courier
--   sla_lane_hist_daily day × tier × lane, one column per transit bucket (b0 … b54,
--                       sla_transit_bucket's range; NULL for none): one row per lane
--                       and day instead of one per lane, day and bucket; indexed by
--                       lane, so the histograms of the lanes shown are read alone.
--   sla_lane_daily      day × tier × lane, parcels delivered: ranks the lanes (by
--   sla_lane_weekly     parcels or by name) and counts them; the weekly one (Beijing
--                       weeks from Monday, on top of the daily one) serves the whole
--                       weeks of a period, the daily one its days outside them.

CREATE MATERIALIZED VIEW sla_outcome_daily
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 day', day, 'Asia/Shanghai') AS day, tier, outcome, cause, sum(parcels)::bigint AS parcels
FROM sla_daily
GROUP BY 1, tier, outcome, cause
WITH NO DATA;

CREATE MATERIALIZED VIEW sla_hub_daily
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 day', day, 'Asia/Shanghai') AS day, tier, hub_code, outcome, sum(parcels)::bigint AS parcels
FROM sla_daily
GROUP BY 1, tier, hub_code, outcome
WITH NO DATA;

CREATE MATERIALIZED VIEW sla_courier_daily
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 day', day, 'Asia/Shanghai') AS day, tier, courier_code, outcome, sum(parcels)::bigint AS parcels
FROM sla_daily
GROUP BY 1, tier, courier_code, outcome
WITH NO DATA;

CREATE MATERIALIZED VIEW sla_lane_hist_daily
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 day', day, 'Asia/Shanghai') AS day, tier, origin_hub, destination_hub,
       sum(parcels) FILTER (WHERE bucket = 0)::integer AS b0,
       sum(parcels) FILTER (WHERE bucket = 1)::integer AS b1,
       sum(parcels) FILTER (WHERE bucket = 2)::integer AS b2,
       sum(parcels) FILTER (WHERE bucket = 3)::integer AS b3,
       sum(parcels) FILTER (WHERE bucket = 4)::integer AS b4,
       sum(parcels) FILTER (WHERE bucket = 5)::integer AS b5,
       sum(parcels) FILTER (WHERE bucket = 6)::integer AS b6,
       sum(parcels) FILTER (WHERE bucket = 7)::integer AS b7,
       sum(parcels) FILTER (WHERE bucket = 8)::integer AS b8,
       sum(parcels) FILTER (WHERE bucket = 9)::integer AS b9,
       sum(parcels) FILTER (WHERE bucket = 10)::integer AS b10,
       sum(parcels) FILTER (WHERE bucket = 11)::integer AS b11,
       sum(parcels) FILTER (WHERE bucket = 12)::integer AS b12,
       sum(parcels) FILTER (WHERE bucket = 13)::integer AS b13,
       sum(parcels) FILTER (WHERE bucket = 14)::integer AS b14,
       sum(parcels) FILTER (WHERE bucket = 15)::integer AS b15,
       sum(parcels) FILTER (WHERE bucket = 16)::integer AS b16,
       sum(parcels) FILTER (WHERE bucket = 17)::integer AS b17,
       sum(parcels) FILTER (WHERE bucket = 18)::integer AS b18,
       sum(parcels) FILTER (WHERE bucket = 19)::integer AS b19,
       sum(parcels) FILTER (WHERE bucket = 20)::integer AS b20,
       sum(parcels) FILTER (WHERE bucket = 21)::integer AS b21,
       sum(parcels) FILTER (WHERE bucket = 22)::integer AS b22,
       sum(parcels) FILTER (WHERE bucket = 23)::integer AS b23,
       sum(parcels) FILTER (WHERE bucket = 24)::integer AS b24,
       sum(parcels) FILTER (WHERE bucket = 25)::integer AS b25,
       sum(parcels) FILTER (WHERE bucket = 26)::integer AS b26,
       sum(parcels) FILTER (WHERE bucket = 27)::integer AS b27,
       sum(parcels) FILTER (WHERE bucket = 28)::integer AS b28,
       sum(parcels) FILTER (WHERE bucket = 29)::integer AS b29,
       sum(parcels) FILTER (WHERE bucket = 30)::integer AS b30,
       sum(parcels) FILTER (WHERE bucket = 31)::integer AS b31,
       sum(parcels) FILTER (WHERE bucket = 32)::integer AS b32,
       sum(parcels) FILTER (WHERE bucket = 33)::integer AS b33,
       sum(parcels) FILTER (WHERE bucket = 34)::integer AS b34,
       sum(parcels) FILTER (WHERE bucket = 35)::integer AS b35,
       sum(parcels) FILTER (WHERE bucket = 36)::integer AS b36,
       sum(parcels) FILTER (WHERE bucket = 37)::integer AS b37,
       sum(parcels) FILTER (WHERE bucket = 38)::integer AS b38,
       sum(parcels) FILTER (WHERE bucket = 39)::integer AS b39,
       sum(parcels) FILTER (WHERE bucket = 40)::integer AS b40,
       sum(parcels) FILTER (WHERE bucket = 41)::integer AS b41,
       sum(parcels) FILTER (WHERE bucket = 42)::integer AS b42,
       sum(parcels) FILTER (WHERE bucket = 43)::integer AS b43,
       sum(parcels) FILTER (WHERE bucket = 44)::integer AS b44,
       sum(parcels) FILTER (WHERE bucket = 45)::integer AS b45,
       sum(parcels) FILTER (WHERE bucket = 46)::integer AS b46,
       sum(parcels) FILTER (WHERE bucket = 47)::integer AS b47,
       sum(parcels) FILTER (WHERE bucket = 48)::integer AS b48,
       sum(parcels) FILTER (WHERE bucket = 49)::integer AS b49,
       sum(parcels) FILTER (WHERE bucket = 50)::integer AS b50,
       sum(parcels) FILTER (WHERE bucket = 51)::integer AS b51,
       sum(parcels) FILTER (WHERE bucket = 52)::integer AS b52,
       sum(parcels) FILTER (WHERE bucket = 53)::integer AS b53,
       sum(parcels) FILTER (WHERE bucket = 54)::integer AS b54
FROM sla_transit_lane_daily
GROUP BY 1, tier, origin_hub, destination_hub
WITH NO DATA;

CREATE INDEX sla_lane_hist_daily_lane_idx ON sla_lane_hist_daily (tier, origin_hub, destination_hub, day);

CREATE MATERIALIZED VIEW sla_lane_daily
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 day', day, 'Asia/Shanghai') AS day, tier, origin_hub, destination_hub, sum(parcels)::bigint AS parcels
FROM sla_transit_lane_daily
GROUP BY 1, tier, origin_hub, destination_hub
WITH NO DATA;

CREATE MATERIALIZED VIEW sla_lane_weekly
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '7 days', day, 'Asia/Shanghai') AS week, tier, origin_hub, destination_hub, sum(parcels)::bigint AS parcels
FROM sla_lane_daily
GROUP BY 1, tier, origin_hub, destination_hub
WITH NO DATA;

-- The same schedule as their parents (020); a parent's refresh leaves invalidations
-- that the child's next refresh materialises. The daily wide refresh: 023.
SELECT add_continuous_aggregate_policy('sla_outcome_daily',
  start_offset => INTERVAL '3 days', end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '5 minutes');
SELECT add_continuous_aggregate_policy('sla_hub_daily',
  start_offset => INTERVAL '3 days', end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '5 minutes');
SELECT add_continuous_aggregate_policy('sla_courier_daily',
  start_offset => INTERVAL '3 days', end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '5 minutes');
SELECT add_continuous_aggregate_policy('sla_lane_hist_daily',
  start_offset => INTERVAL '3 days', end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '5 minutes');
SELECT add_continuous_aggregate_policy('sla_lane_daily',
  start_offset => INTERVAL '3 days', end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '5 minutes');
SELECT add_continuous_aggregate_policy('sla_lane_weekly',
  start_offset => INTERVAL '15 days', end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '5 minutes');
