-- Parcels in flight (not delivered or returned), kept as a running count so the
-- live KPI snapshot (twice a second) never counts the whole shipments table.
-- Statement-level triggers with transition tables keep it exact whatever writes
-- shipments (the API, a bulk load, a restore). The count is spread over 16 slots
-- so that concurrent ingest transactions on a real server don't queue on one row.
CREATE TABLE open_parcel_count (
  slot  smallint PRIMARY KEY CHECK (slot BETWEEN 0 AND 15),
  open  bigint NOT NULL DEFAULT 0
);

CREATE FUNCTION open_parcel_count_add(delta bigint) RETURNS void LANGUAGE sql AS $$
  INSERT INTO open_parcel_count (slot, open) VALUES (floor(random() * 16)::smallint, delta)
  ON CONFLICT (slot) DO UPDATE SET open = open_parcel_count.open + excluded.open
$$;

CREATE FUNCTION open_parcel_count_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  SELECT count(*) INTO n FROM new_rows WHERE status NOT IN ('delivered', 'returned');
  IF n <> 0 THEN PERFORM open_parcel_count_add(n); END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION open_parcel_count_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  SELECT (SELECT count(*) FROM new_rows WHERE status NOT IN ('delivered', 'returned'))
       - (SELECT count(*) FROM old_rows WHERE status NOT IN ('delivered', 'returned')) INTO n;
  IF n <> 0 THEN PERFORM open_parcel_count_add(n); END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION open_parcel_count_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  SELECT count(*) INTO n FROM old_rows WHERE status NOT IN ('delivered', 'returned');
  IF n <> 0 THEN PERFORM open_parcel_count_add(-n); END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER shipments_open_count_insert AFTER INSERT ON shipments
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION open_parcel_count_on_insert();
CREATE TRIGGER shipments_open_count_update AFTER UPDATE ON shipments
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION open_parcel_count_on_update();
CREATE TRIGGER shipments_open_count_delete AFTER DELETE ON shipments
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION open_parcel_count_on_delete();

INSERT INTO open_parcel_count (slot, open)
SELECT 0, count(*) FROM shipments WHERE status NOT IN ('delivered', 'returned');
