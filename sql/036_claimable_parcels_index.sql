-- The SLA sweep opens a claim for every lost or damaged parcel that has none
-- (server/services/claim-opening.ts). Without an index that meant reading the
-- whole shipments table every minute. This partial index holds only the few
-- parcels with such an exception; ordinary scans (status, last scan) change no
-- column it names, so their updates stay HOT.
CREATE INDEX shipments_claimable ON shipments (waybill) WHERE exception_reason IN ('lost', 'damaged');
