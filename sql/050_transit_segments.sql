-- The transit model (issue 13): each parcel's path cut into segments (first
-- mile, hub dwell, line-haul leg, last mile, delivery run; see
-- server/domain/segments.ts) and their durations kept as histograms, so that an
-- arrival estimate or an attribution never scans the events.
--
-- Kept by the ingest transaction (server/services/transit-segments.ts), not by
-- triggers: segments need the parcel's whole path in event-time order, which a
-- statement over new rows cannot see. Per touched parcel the service recomputes
-- the segments from the stored path and applies the difference (−old, +new) to
-- the histograms, so late and out-of-order scans fold in exactly.

-- The path the segments are computed from, and the segments it gave.
--   events:   [[epoch ms, type, hub, courier], ...] in storage order
--   segments: [[kind, place, courier, start ms, end ms], ...]
CREATE TABLE parcel_paths (
  waybill     text PRIMARY KEY,
  tier        text NOT NULL,
  events      jsonb NOT NULL,
  segments    jsonb NOT NULL,
  updated_at  timestamptz NOT NULL
);

-- Segment durations per kind, place (hub, or lane "A>B"), tier, hour of the
-- week the segment started (Shanghai, Monday 00:00 = 0) and bucket of hours
-- (SEGMENT_EDGES). A row per non-empty cell. `to_delivery` rows (the time from
-- a part's start to the delivery, per lane and part) keep only the 6-hour block
-- of the day (how 0, 6, 12 or 18), so they stay a few rows per lane.
CREATE TABLE segment_hist (
  kind    text NOT NULL CHECK (kind IN ('first_mile', 'line_haul', 'hub_dwell', 'last_mile', 'delivery_run', 'to_delivery')),
  place   text NOT NULL,
  tier    text NOT NULL,
  how     smallint NOT NULL CHECK (how BETWEEN 0 AND 167),
  bucket  smallint NOT NULL CHECK (bucket >= 0),
  n       bigint NOT NULL,
  PRIMARY KEY (kind, place, tier, how, bucket)
);

-- Segments by the hour they ended: count and total hours, for the recent
-- factor (a sorting centre or lane running slower than usual right now).
CREATE TABLE segment_recent (
  kind    text NOT NULL,
  place   text NOT NULL,
  tier    text NOT NULL,
  hour    timestamptz NOT NULL,
  n       integer NOT NULL,
  hours   double precision NOT NULL,
  PRIMARY KEY (hour, kind, place, tier)
);
