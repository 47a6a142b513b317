-- Learned limits for the detection rules (issue 11): how long parcels normally wait
-- between a scan of one type at a hub and their next scan, per tier, from the last
-- days' scans. next_hub is the hub of that next scan ('*': every next hub together),
-- so one table gives a hub's dwell (arrived_hub → departed_hub at the same hub), a
-- lane's leg time (departed_hub at A → arrived_hub at B) and the stall limit of any
-- status (all next hubs). Refreshed every few hours by the anomaly sweep
-- (server/db/detection-repo.ts); rows without enough samples are not kept.
CREATE TABLE scan_gap_stats (
  hub_code     text NOT NULL,
  event_type   text NOT NULL,
  next_hub     text NOT NULL,
  tier         text NOT NULL,
  p50_hours    double precision NOT NULL,
  p99_hours    double precision NOT NULL,
  samples      integer NOT NULL,
  computed_at  timestamptz NOT NULL,
  PRIMARY KEY (hub_code, event_type, next_hub, tier)
);

-- Recurring maintenance windows (e.g. a sorting centre closed every night 02:00–05:00,
-- Shanghai time): alerts of the hub (and rule, when given) raised inside the window are
-- recorded and shown but page nobody. end_time before start_time crosses midnight;
-- days are ISO weekdays 1–7 on which the window starts (empty: every day).
CREATE TABLE maintenance_windows (
  id          bigserial PRIMARY KEY,
  hub_code    text REFERENCES hubs (code),
  rule        text,
  days        smallint[] NOT NULL DEFAULT '{}',
  start_time  time NOT NULL,
  end_time    time NOT NULL,
  comment     text NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now(),
  CHECK (start_time <> end_time),
  CHECK (days <@ ARRAY[1, 2, 3, 4, 5, 6, 7]::smallint[])
);
