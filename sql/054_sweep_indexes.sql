-- The SLA sweep's one pass over the open parcels (server/db/alerts-repo.ts
-- collectHits), the arrival estimate of the at-risk rule and the parcels on lanes
-- (detection-repo.ts legsInFlight) read the open parcels only: a partial index on
-- them, so that each minute reads the few thousand open rows instead of every
-- parcel ever collected (the table only grows; the open ones are a small and
-- recent part of it). Found by the alert benchmark (issue 11), which runs every
-- job at its cadence on a simulated clock.
CREATE INDEX shipments_open ON shipments (waybill) WHERE status NOT IN ('delivered', 'returned');
