-- A period statement keeps its lines, not only its totals (manual 7.2): every parcel
-- whose fee it counts and every claim whose payment it counts, with the amount and the
-- grouping it had when the statement was generated. The head of finance reviews, and
-- the general manager approves, exactly these lines; what changes in the live figures
-- afterwards (a late-registered parcel, a payment recorded) is shown against them, and
-- never rewrites them.
CREATE TABLE finance_statement_lines (
  statement_id   bigint NOT NULL REFERENCES finance_statements (id),
  kind           text NOT NULL CHECK (kind IN ('fee', 'claim')),
  -- the waybill for a fee, the claim's id for a claim
  ref            text NOT NULL,
  waybill        text NOT NULL,
  -- Beijing day the parcel was collected (fee) or the claim paid (claim)
  day            date NOT NULL,
  tier           text,
  region         text,
  payment_state  text,
  reason         text,
  amount_fen     bigint NOT NULL,
  PRIMARY KEY (statement_id, kind, ref),
  CHECK ((kind = 'fee') = (tier IS NOT NULL AND region IS NOT NULL AND payment_state IS NOT NULL AND reason IS NULL)),
  CHECK ((kind = 'claim') = (reason IS NOT NULL AND tier IS NULL))
);

-- Lines are written once, with their statement, and never changed or removed.
CREATE FUNCTION finance_statement_lines_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'finance statement lines are written once and cannot change' USING ERRCODE = 'check_violation';
END $$;
CREATE TRIGGER finance_statement_lines_immutable BEFORE UPDATE OR DELETE ON finance_statement_lines
  FOR EACH ROW EXECUTE FUNCTION finance_statement_lines_frozen();
