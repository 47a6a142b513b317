-- Compensation claims for lost and damaged parcels (manual 4.3.2, 5.3.2). The
-- amount is computed at opening by the published rule (server/domain/claims.ts)
-- and kept with the figures it came from; approval and payment keep who and when.
CREATE TABLE claims (
  id               bigserial PRIMARY KEY,
  waybill          text NOT NULL REFERENCES shipments (waybill),
  reason           text NOT NULL CHECK (reason IN ('lost', 'damaged')),
  source           text NOT NULL CHECK (source IN ('exception', 'operator')),
  state            text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'approved', 'rejected', 'paid')),
  amount_fen       bigint NOT NULL CHECK (amount_fen >= 0),
  basis            jsonb NOT NULL,
  note             text NOT NULL DEFAULT '',
  opened_at        timestamptz NOT NULL,
  opened_by        bigint REFERENCES users (id),
  decided_at       timestamptz,
  decided_by       bigint REFERENCES users (id),
  decision_note    text,
  paid_at          timestamptz,
  paid_by          bigint REFERENCES users (id),
  payment_ref      text,
  CHECK ((state = 'paid') = (paid_at IS NOT NULL AND paid_by IS NOT NULL)),
  CHECK (state = 'open' OR (decided_at IS NOT NULL AND decided_by IS NOT NULL))
);
-- One live claim per parcel (a rejected one may be followed by a new one).
CREATE UNIQUE INDEX claims_one_live_per_parcel ON claims (waybill) WHERE state <> 'rejected';
CREATE INDEX claims_paid_at ON claims (paid_at) WHERE state = 'paid';
CREATE INDEX claims_state ON claims (state, opened_at DESC);

CREATE TABLE claim_history (
  id         bigserial PRIMARY KEY,
  claim_id   bigint NOT NULL REFERENCES claims (id) ON DELETE CASCADE,
  at         timestamptz NOT NULL,
  action     text NOT NULL CHECK (action IN ('opened', 'approved', 'rejected', 'paid')),
  user_id    bigint REFERENCES users (id),
  note       text NOT NULL DEFAULT ''
);
CREATE INDEX claim_history_claim ON claim_history (claim_id, at);
