-- The ingest's state update (server/db/shipments-repo.ts updateStates) seldom was HOT
-- (heap-only): an update that changes the status rewrote every index of shipments, the
-- name-bigram GIN one included, because the partial index of the open parcels (sql/054) named
-- `status` in its predicate. Its predicate now names `is_open`, a stored column that changes
-- only when a parcel is delivered or returned (or reopened), so collected → in transit → out
-- for delivery are HOT updates like the other scans when the page has room. Fill factor 80
-- leaves that room on pages written from now on; a page's dead versions are pruned by later
-- visits. The questions that read the open parcels name `is_open` to use the index.
--
-- Not done: keeping the open parcels in a table of their own (no index on shipments would
-- then name anything the ingest writes): the SLA sweep's pass over them, joined back to
-- shipments by primary key, read 75 × the buffers (11 → 30 ms for 12,000 open parcels among
-- 312,000, and the planner preferred a scan of the whole table, 130–190 ms).
ALTER TABLE shipments ADD COLUMN is_open boolean GENERATED ALWAYS AS (status NOT IN ('delivered', 'returned')) STORED;
DROP INDEX shipments_open;
CREATE INDEX shipments_open ON shipments (waybill) WHERE is_open;
ALTER TABLE shipments SET (fillfactor = 80);
