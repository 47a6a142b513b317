-- The promise of the manual's tiers (4.2.1), computed at collection on the
-- working-day calendar and stored; recomputed for open parcels when the
-- calendar changes.
ALTER TABLE shipments
  ADD COLUMN promise_start_day date,
  ADD COLUMN promised_earliest timestamptz,
  ADD COLUMN promised_deadline timestamptz;
-- Not touched by ingest's state updates, so those stay HOT.
CREATE INDEX shipments_promised_deadline ON shipments (promised_deadline);

-- Company days off (and extra working days) on top of China's official calendar.
CREATE TABLE company_calendar (
  day         date PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('day_off', 'workday')),
  note        text NOT NULL DEFAULT '',
  created_by  bigint REFERENCES users (id),
  created_at  timestamptz NOT NULL DEFAULT now()
);
