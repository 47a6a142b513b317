-- Recent transit times per lane (origin hub, destination hub) and tier, from
-- parcels delivered in the last 14 days: the median predicts when an open
-- parcel will arrive (at risk = predicted after its deadline). Refreshed by the
-- anomaly sweep; lanes with fewer than 5 deliveries have no row (no prediction).
CREATE TABLE lane_transit_stats (
  origin_hub       text NOT NULL,
  destination_hub  text NOT NULL,
  tier             text NOT NULL,
  p50_hours        double precision NOT NULL,
  p90_hours        double precision NOT NULL,
  samples          integer NOT NULL,
  computed_at      timestamptz NOT NULL,
  PRIMARY KEY (origin_hub, destination_hub, tier)
);
