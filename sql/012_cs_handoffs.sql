-- Hand-offs from on-call to customer service (manual 5.3, 6.1): the parcels of
-- an alert whose recipients customer service should contact before they call.
-- The waybills are the alert's parcels at the time of the hand-off; the alert
-- may shrink or resolve later, the hand-off keeps its list.
CREATE TABLE cs_handoffs (
  id            bigserial PRIMARY KEY,
  alert_id      bigint NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  note          text NOT NULL,
  created_by    bigint NOT NULL REFERENCES users (id),
  created_at    timestamptz NOT NULL,
  state         text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'done')),
  done_by       bigint REFERENCES users (id),
  done_at       timestamptz,
  done_comment  text,
  CHECK ((state = 'done') = (done_at IS NOT NULL AND done_by IS NOT NULL))
);
CREATE INDEX cs_handoffs_state ON cs_handoffs (state, created_at DESC);
CREATE INDEX cs_handoffs_alert ON cs_handoffs (alert_id);

CREATE TABLE cs_handoff_parcels (
  handoff_id  bigint NOT NULL REFERENCES cs_handoffs (id) ON DELETE CASCADE,
  waybill     text NOT NULL,
  PRIMARY KEY (handoff_id, waybill)
);
