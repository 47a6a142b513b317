-- Parcels in transit per lane (hub of their last scan -> destination hub), kept by
-- triggers so that the wall map (every 5 s) never scans the shipments table: at
-- 1.1M shipments that scan was 8 % of the embedded database's time in the soak, and
-- it grows with every day of parcels kept, while this table stays a row per lane
-- and slot. Statement-level triggers with transition tables, as sql/015, keep it
-- exact whatever writes shipments. A statement adds to one of 4 slots, so that
-- concurrent ingest transactions on a server seldom meet on a row, and touches its
-- lanes in order, so that two statements that meet wait rather than deadlock.
CREATE TABLE transit_flow_count (
  from_hub  text NOT NULL,
  to_hub    text NOT NULL,
  slot      smallint NOT NULL CHECK (slot BETWEEN 0 AND 3),
  parcels   bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (from_hub, to_hub, slot)
);

-- One function per operation: each reads its transition tables in one statement
-- and adds the net change of each lane to one slot (chosen per statement).
CREATE FUNCTION transit_flow_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO transit_flow_count AS t (from_hub, to_hub, slot, parcels)
  SELECT last_scan_hub, destination_hub, (SELECT floor(random() * 4)::smallint), count(*) FROM new_rows
  WHERE status = 'in_transit' AND last_scan_hub IS NOT NULL AND last_scan_hub <> destination_hub
  GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (from_hub, to_hub, slot) DO UPDATE SET parcels = t.parcels + excluded.parcels;
  RETURN NULL;
END $$;

CREATE FUNCTION transit_flow_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO transit_flow_count AS t (from_hub, to_hub, slot, parcels)
  SELECT last_scan_hub, destination_hub, (SELECT floor(random() * 4)::smallint), -count(*) FROM old_rows
  WHERE status = 'in_transit' AND last_scan_hub IS NOT NULL AND last_scan_hub <> destination_hub
  GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (from_hub, to_hub, slot) DO UPDATE SET parcels = t.parcels + excluded.parcels;
  RETURN NULL;
END $$;

CREATE FUNCTION transit_flow_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO transit_flow_count AS t (from_hub, to_hub, slot, parcels)
  SELECT f, d, (SELECT floor(random() * 4)::smallint), sum(n) FROM (
    SELECT last_scan_hub AS f, destination_hub AS d, 1 AS n FROM new_rows
    WHERE status = 'in_transit' AND last_scan_hub IS NOT NULL AND last_scan_hub <> destination_hub
    UNION ALL
    SELECT last_scan_hub, destination_hub, -1 FROM old_rows
    WHERE status = 'in_transit' AND last_scan_hub IS NOT NULL AND last_scan_hub <> destination_hub) u
  GROUP BY 1, 2 HAVING sum(n) <> 0 ORDER BY 1, 2
  ON CONFLICT (from_hub, to_hub, slot) DO UPDATE SET parcels = t.parcels + excluded.parcels;
  RETURN NULL;
END $$;

CREATE TRIGGER shipments_transit_flow_insert AFTER INSERT ON shipments
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION transit_flow_on_insert();
CREATE TRIGGER shipments_transit_flow_update AFTER UPDATE ON shipments
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION transit_flow_on_update();
CREATE TRIGGER shipments_transit_flow_delete AFTER DELETE ON shipments
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION transit_flow_on_delete();

INSERT INTO transit_flow_count (from_hub, to_hub, slot, parcels)
SELECT last_scan_hub, destination_hub, 0, count(*) FROM shipments
WHERE status = 'in_transit' AND last_scan_hub IS NOT NULL AND last_scan_hub <> destination_hub
GROUP BY 1, 2;
