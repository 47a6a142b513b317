-- Payment states change forward only (unpaid → paid → invoiced), each change kept.
CREATE TABLE payment_history (
  id          bigserial PRIMARY KEY,
  waybill     text NOT NULL REFERENCES shipments (waybill),
  at          timestamptz NOT NULL,
  from_state  text NOT NULL,
  to_state    text NOT NULL,
  user_id     bigint REFERENCES users (id)
);
CREATE INDEX payment_history_waybill ON payment_history (waybill, at);

-- Period statements (manual 7.2): generated with frozen totals, reviewed by the
-- head of finance, approved by the general manager (another person). Once
-- approved a statement never changes: the trigger refuses updates and deletes.
CREATE TABLE finance_statements (
  id                 bigserial PRIMARY KEY,
  period_from        date NOT NULL,
  period_to          date NOT NULL CHECK (period_to >= period_from),
  state              text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'reviewed', 'approved')),
  fees_fen           bigint NOT NULL,
  fee_lines          integer NOT NULL,
  compensation_fen   bigint NOT NULL,
  claim_lines        integer NOT NULL,
  net_fen            bigint NOT NULL,
  totals             jsonb NOT NULL,
  generated_at       timestamptz NOT NULL,
  generated_by       bigint NOT NULL REFERENCES users (id),
  reviewed_at        timestamptz,
  reviewed_by        bigint REFERENCES users (id),
  review_note        text,
  approved_at        timestamptz,
  approved_by        bigint REFERENCES users (id),
  approve_note       text,
  CHECK (state = 'draft' OR (reviewed_at IS NOT NULL AND reviewed_by IS NOT NULL)),
  CHECK (state <> 'approved' OR (approved_at IS NOT NULL AND approved_by IS NOT NULL AND approved_by <> reviewed_by))
);
CREATE INDEX finance_statements_period ON finance_statements (period_from DESC, id DESC);

CREATE FUNCTION finance_statement_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'finance statement % is approved and cannot change', OLD.id USING ERRCODE = 'check_violation';
END $$;
CREATE TRIGGER finance_statements_immutable BEFORE UPDATE OR DELETE ON finance_statements
  FOR EACH ROW WHEN (OLD.state = 'approved') EXECUTE FUNCTION finance_statement_frozen();
