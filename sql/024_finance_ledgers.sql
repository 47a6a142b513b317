-- Finance from continuous aggregates (issue 5 part 1; aggregates in 025 and 035).
-- A parcel's payment state changes (unpaid → paid → invoiced) and a claim becomes
-- paid long after the day the finance figures file them under (collection day,
-- payment day), so an aggregate over shipments or claims themselves would go
-- stale. Instead two append-only ledgers record every change as it is written:
--   fee_ledger      +fee, +1 under a parcel's (collection day, tier, origin hub,
--                   payment state) when it appears; −fee, −1 under the old and
--                   +fee, +1 under the new key when any of them or the fee changes;
--                   −fee, −1 when it is deleted.
--   claim_ledger    (sql/034, after the claims table of 031) +amount, +1 under
--                   (payment day, reason) when a claim becomes paid; −/+ when a
--                   paid claim's day, reason or amount changes.
-- Summed over all entries, each key holds exactly the live rows' figures. The time
-- column is the write time (transaction time), never in the past of a materialised
-- bucket, so real-time aggregation always covers new entries: the figures are
-- exact at once, before any refresh. Statement-level triggers with transition
-- tables keep the ledgers exact for any writer (API, bulk load, restore).
CREATE TABLE fee_ledger (
  at             timestamptz NOT NULL DEFAULT now(),
  collected_day  date NOT NULL,
  tier           text NOT NULL,
  origin_hub     text NOT NULL,
  state          text NOT NULL,
  fen            bigint NOT NULL,
  parcels        integer NOT NULL
);
SELECT create_hypertable('fee_ledger', by_range('at', INTERVAL '7 days'), create_default_indexes => false);

-- The finance day of a parcel is the Beijing day of its collection.
CREATE FUNCTION fee_ledger_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO fee_ledger (collected_day, tier, origin_hub, state, fen, parcels)
  SELECT (collected_at AT TIME ZONE 'Asia/Shanghai')::date, tier, origin_hub, payment_state, sum(fee_total_fen), count(*)
  FROM new_rows GROUP BY 1, 2, 3, 4;
  RETURN NULL;
END $$;

CREATE FUNCTION fee_ledger_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO fee_ledger (collected_day, tier, origin_hub, state, fen, parcels)
  SELECT day, tier, origin_hub, state, sum(fen), sum(n)::integer FROM (
    SELECT (o.collected_at AT TIME ZONE 'Asia/Shanghai')::date AS day, o.tier, o.origin_hub, o.payment_state AS state, -o.fee_total_fen AS fen, -1 AS n
    FROM old_rows o JOIN new_rows n ON n.waybill = o.waybill
    WHERE (o.collected_at, o.tier, o.origin_hub, o.payment_state, o.fee_total_fen) IS DISTINCT FROM (n.collected_at, n.tier, n.origin_hub, n.payment_state, n.fee_total_fen)
    UNION ALL
    SELECT (n.collected_at AT TIME ZONE 'Asia/Shanghai')::date, n.tier, n.origin_hub, n.payment_state, n.fee_total_fen, 1
    FROM old_rows o JOIN new_rows n ON n.waybill = o.waybill
    WHERE (o.collected_at, o.tier, o.origin_hub, o.payment_state, o.fee_total_fen) IS DISTINCT FROM (n.collected_at, n.tier, n.origin_hub, n.payment_state, n.fee_total_fen)
  ) x
  GROUP BY 1, 2, 3, 4
  HAVING sum(n) <> 0 OR sum(fen) <> 0;
  RETURN NULL;
END $$;

CREATE FUNCTION fee_ledger_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO fee_ledger (collected_day, tier, origin_hub, state, fen, parcels)
  SELECT (collected_at AT TIME ZONE 'Asia/Shanghai')::date, tier, origin_hub, payment_state, -sum(fee_total_fen), -count(*)
  FROM old_rows GROUP BY 1, 2, 3, 4;
  RETURN NULL;
END $$;

CREATE TRIGGER shipments_fee_ledger_insert AFTER INSERT ON shipments
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION fee_ledger_on_insert();
CREATE TRIGGER shipments_fee_ledger_update AFTER UPDATE ON shipments
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION fee_ledger_on_update();
CREATE TRIGGER shipments_fee_ledger_delete AFTER DELETE ON shipments
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION fee_ledger_on_delete();

-- What exists already.
INSERT INTO fee_ledger (collected_day, tier, origin_hub, state, fen, parcels)
SELECT (collected_at AT TIME ZONE 'Asia/Shanghai')::date, tier, origin_hub, payment_state, sum(fee_total_fen), count(*)
FROM shipments GROUP BY 1, 2, 3, 4;
