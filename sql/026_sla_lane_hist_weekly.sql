-- migrate:no-transaction
-- Lane histograms by Beijing week (Monday to Sunday, as sla_lane_weekly), rolled up
-- from sla_lane_hist_daily. The transit percentiles of a 30-day period read each
-- lane's whole weeks here and only the days outside them from the daily rows
-- (server/db/sla-repo.ts weekCover), about 10 rows per lane instead of 30: the
-- 30-day percentiles were the one SLA query over its 50 ms target at 9.5M events.
CREATE MATERIALIZED VIEW sla_lane_hist_weekly
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '7 days', day, 'Asia/Shanghai') AS week, tier, origin_hub, destination_hub,
       sum(b0)::integer AS b0,
       sum(b1)::integer AS b1,
       sum(b2)::integer AS b2,
       sum(b3)::integer AS b3,
       sum(b4)::integer AS b4,
       sum(b5)::integer AS b5,
       sum(b6)::integer AS b6,
       sum(b7)::integer AS b7,
       sum(b8)::integer AS b8,
       sum(b9)::integer AS b9,
       sum(b10)::integer AS b10,
       sum(b11)::integer AS b11,
       sum(b12)::integer AS b12,
       sum(b13)::integer AS b13,
       sum(b14)::integer AS b14,
       sum(b15)::integer AS b15,
       sum(b16)::integer AS b16,
       sum(b17)::integer AS b17,
       sum(b18)::integer AS b18,
       sum(b19)::integer AS b19,
       sum(b20)::integer AS b20,
       sum(b21)::integer AS b21,
       sum(b22)::integer AS b22,
       sum(b23)::integer AS b23,
       sum(b24)::integer AS b24,
       sum(b25)::integer AS b25,
       sum(b26)::integer AS b26,
       sum(b27)::integer AS b27,
       sum(b28)::integer AS b28,
       sum(b29)::integer AS b29,
       sum(b30)::integer AS b30,
       sum(b31)::integer AS b31,
       sum(b32)::integer AS b32,
       sum(b33)::integer AS b33,
       sum(b34)::integer AS b34,
       sum(b35)::integer AS b35,
       sum(b36)::integer AS b36,
       sum(b37)::integer AS b37,
       sum(b38)::integer AS b38,
       sum(b39)::integer AS b39,
       sum(b40)::integer AS b40,
       sum(b41)::integer AS b41,
       sum(b42)::integer AS b42,
       sum(b43)::integer AS b43,
       sum(b44)::integer AS b44,
       sum(b45)::integer AS b45,
       sum(b46)::integer AS b46,
       sum(b47)::integer AS b47,
       sum(b48)::integer AS b48,
       sum(b49)::integer AS b49,
       sum(b50)::integer AS b50,
       sum(b51)::integer AS b51,
       sum(b52)::integer AS b52,
       sum(b53)::integer AS b53,
       sum(b54)::integer AS b54
FROM sla_lane_hist_daily
GROUP BY 1, tier, origin_hub, destination_hub
WITH NO DATA;

CREATE INDEX sla_lane_hist_weekly_lane_idx ON sla_lane_hist_weekly (tier, origin_hub, destination_hub, week);

SELECT add_continuous_aggregate_policy('sla_lane_hist_weekly',
  start_offset => INTERVAL '15 days', end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '5 minutes');

CALL refresh_continuous_aggregate('sla_lane_hist_weekly', NULL, now() - INTERVAL '1 hour');
