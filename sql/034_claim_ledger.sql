-- The compensation ledger of 024's design (see there): every change to the paid
-- claims as it is written, so compensation by payment day and reason can be a
-- continuous aggregate (035) that never goes stale.
CREATE TABLE claim_ledger (
  at         timestamptz NOT NULL DEFAULT now(),
  paid_day   date NOT NULL,
  reason     text NOT NULL,
  fen        bigint NOT NULL,
  claims     integer NOT NULL
);
SELECT create_hypertable('claim_ledger', by_range('at', INTERVAL '30 days'), create_default_indexes => false);

-- Claims: only paid ones count; −old +new for every claim row touched whose paid figure changed.
CREATE FUNCTION claim_ledger_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO claim_ledger (paid_day, reason, fen, claims)
  SELECT (paid_at AT TIME ZONE 'Asia/Shanghai')::date, reason, sum(amount_fen), count(*)
  FROM new_rows WHERE state = 'paid' GROUP BY 1, 2;
  RETURN NULL;
END $$;

CREATE FUNCTION claim_ledger_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO claim_ledger (paid_day, reason, fen, claims)
  SELECT day, reason, sum(fen), sum(n)::integer FROM (
    SELECT (o.paid_at AT TIME ZONE 'Asia/Shanghai')::date AS day, o.reason, -o.amount_fen AS fen, -1 AS n
    FROM old_rows o JOIN new_rows n ON n.id = o.id
    WHERE o.state = 'paid' AND (o.state, o.paid_at, o.reason, o.amount_fen) IS DISTINCT FROM (n.state, n.paid_at, n.reason, n.amount_fen)
    UNION ALL
    SELECT (n.paid_at AT TIME ZONE 'Asia/Shanghai')::date, n.reason, n.amount_fen, 1
    FROM old_rows o JOIN new_rows n ON n.id = o.id
    WHERE n.state = 'paid' AND (o.state, o.paid_at, o.reason, o.amount_fen) IS DISTINCT FROM (n.state, n.paid_at, n.reason, n.amount_fen)
  ) x
  GROUP BY 1, 2
  HAVING sum(n) <> 0 OR sum(fen) <> 0;
  RETURN NULL;
END $$;

CREATE FUNCTION claim_ledger_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO claim_ledger (paid_day, reason, fen, claims)
  SELECT (paid_at AT TIME ZONE 'Asia/Shanghai')::date, reason, -sum(amount_fen), -count(*)
  FROM old_rows WHERE state = 'paid' GROUP BY 1, 2;
  RETURN NULL;
END $$;

CREATE TRIGGER claims_ledger_insert AFTER INSERT ON claims
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION claim_ledger_on_insert();
CREATE TRIGGER claims_ledger_update AFTER UPDATE ON claims
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION claim_ledger_on_update();
CREATE TRIGGER claims_ledger_delete AFTER DELETE ON claims
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION claim_ledger_on_delete();

-- What exists already.
INSERT INTO claim_ledger (paid_day, reason, fen, claims)
SELECT (paid_at AT TIME ZONE 'Asia/Shanghai')::date, reason, sum(amount_fen), count(*)
FROM claims WHERE state = 'paid' GROUP BY 1, 2;
