-- migrate:no-transaction
-- SLA analytics for managers (the /sla page and /api/v1/sla/*): closed parcels by
-- Beijing day with their outcome, and transit-time histograms. The page reads these
-- continuous aggregates, never raw scans. Days are Asia/Shanghai days
-- (time_bucket with a time zone: supported in caggs by TimescaleDB 2.23, tested).
--
-- A parcel enters the aggregates once, on the day it closed: the closing event is
-- the scan that set its terminal status (type = shipments.status, event_time =
-- shipments.status_at), so a repeated delivered scan is not counted twice.
-- Outcome, as server/domain/verdict.ts rules 1-3 for closed parcels:
--   on_time  delivered at or before promised_deadline;
--   excused  otherwise, with a consignee cause recorded (refused, wrong_address);
--   late     otherwise (also a returned parcel without a consignee cause).
-- Difference: verdict.ts also calls an OPEN parcel past its deadline late (rule 4);
-- here it counts only when it closes (as late or excused, on its closing day).
-- Cause (why a parcel missed its promise; docs in README "SLA analytics"), from the
-- shipment row and the closing scan: the consignee reason for excused parcels;
-- for late ones our exception (lost, damaged), returned, late_last_mile (delivered
-- less than 24 h after the deadline), stalled (24 h or more after it), no_promise.
-- The shipment row is read at refresh time; a scan that changes it later (a late
-- consignee exception) is caught by the forced wide refresh of 021.

-- Transit-time histogram buckets in hours from collection to delivery: bucket i
-- (1-based) holds [edge i, edge i+1), the last one everything from 720 h. The same
-- edges are in server/domain/sla-transit.ts (a test compares them).
CREATE FUNCTION sla_transit_edges() RETURNS float8[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ARRAY[0,2,4,6,8,10,12,14,16,18,20,22,24,26,28,30,32,34,36,38,40,42,44,46,48,54,60,66,72,78,84,90,96,102,108,114,120,132,144,156,168,180,192,204,216,228,240,264,288,312,336,408,504,720]::float8[];

CREATE FUNCTION sla_transit_bucket(hours float8) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN width_bucket(hours, ARRAY[0,2,4,6,8,10,12,14,16,18,20,22,24,26,28,30,32,34,36,38,40,42,44,46,48,54,60,66,72,78,84,90,96,102,108,114,120,132,144,156,168,180,192,204,216,228,240,264,288,312,336,408,504,720]::float8[]);

CREATE MATERIALIZED VIEW sla_daily
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 day', e.event_time, 'Asia/Shanghai') AS day,
       s.tier,
       s.destination_hub AS hub_code,
       e.courier_code,
       CASE WHEN e.type = 'delivered' AND e.event_time <= s.promised_deadline THEN 'on_time'
            WHEN s.exception_reason IN ('refused', 'wrong_address') THEN 'excused'
            ELSE 'late' END AS outcome,
       CASE WHEN e.type = 'delivered' AND e.event_time <= s.promised_deadline THEN 'none'
            WHEN s.exception_reason IN ('refused', 'wrong_address', 'lost', 'damaged') THEN s.exception_reason
            WHEN e.type = 'returned' THEN 'returned'
            WHEN s.promised_deadline IS NULL THEN 'no_promise'
            WHEN e.event_time < s.promised_deadline + INTERVAL '24 hours' THEN 'late_last_mile'
            ELSE 'stalled' END AS cause,
       count(*) AS parcels
FROM scan_events e
JOIN shipments s ON s.waybill = e.waybill
WHERE e.type IN ('delivered', 'returned') AND e.type = s.status AND e.event_time = s.status_at
GROUP BY day, s.tier, s.destination_hub, e.courier_code, outcome, cause
WITH NO DATA;

-- Delivered parcels by lane (origin hub -> destination hub), tier and transit bucket.
CREATE MATERIALIZED VIEW sla_transit_lane_daily
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 day', e.event_time, 'Asia/Shanghai') AS day,
       s.tier,
       s.origin_hub,
       s.destination_hub,
       sla_transit_bucket(extract(epoch FROM e.event_time - s.collected_at)::float8 / 3600) AS bucket,
       count(*) AS parcels
FROM scan_events e
JOIN shipments s ON s.waybill = e.waybill
WHERE e.type = 'delivered' AND s.status = 'delivered' AND e.event_time = s.status_at
GROUP BY day, s.tier, s.origin_hub, s.destination_hub, bucket
WITH NO DATA;

-- The same histogram by tier only: the tier percentiles read a few hundred rows a
-- month instead of every lane's.
CREATE MATERIALIZED VIEW sla_transit_tier_daily
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 day', e.event_time, 'Asia/Shanghai') AS day,
       s.tier,
       sla_transit_bucket(extract(epoch FROM e.event_time - s.collected_at)::float8 / 3600) AS bucket,
       count(*) AS parcels
FROM scan_events e
JOIN shipments s ON s.waybill = e.waybill
WHERE e.type = 'delivered' AND s.status = 'delivered' AND e.event_time = s.status_at
GROUP BY day, s.tier, bucket
WITH NO DATA;

-- Every 5 minutes over the last 3 days (the embedded database runs these from the
-- run-db-policies job, a real server by itself). Older late data: 021.
SELECT add_continuous_aggregate_policy('sla_daily',
  start_offset => INTERVAL '3 days', end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '5 minutes');
SELECT add_continuous_aggregate_policy('sla_transit_lane_daily',
  start_offset => INTERVAL '3 days', end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '5 minutes');
SELECT add_continuous_aggregate_policy('sla_transit_tier_daily',
  start_offset => INTERVAL '3 days', end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '5 minutes');
