-- Alerts for on-call staff. At most one alert that is not resolved per
-- (rule, subject), enforced here, so a sweep that runs twice or a worker that is
-- killed and restarted never opens a second one.
CREATE TABLE alerts (
  id                  bigserial PRIMARY KEY,
  rule                text NOT NULL,
  subject             text NOT NULL,
  hub_code            text REFERENCES hubs (code),
  severity            text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  state               text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'acknowledged', 'resolved')),
  title               text NOT NULL,
  item_count          integer NOT NULL DEFAULT 0,
  details             jsonb NOT NULL DEFAULT '{}',
  opened_at           timestamptz NOT NULL,
  last_seen_at        timestamptz NOT NULL,
  acknowledged_at     timestamptz,
  acknowledged_by     bigint REFERENCES users (id),
  resolved_at         timestamptz,
  resolved_by         bigint REFERENCES users (id),
  escalation_level    smallint NOT NULL DEFAULT 0,
  next_escalation_at  timestamptz
);
CREATE UNIQUE INDEX alerts_one_unresolved ON alerts (rule, subject) WHERE state <> 'resolved';
CREATE INDEX alerts_state ON alerts (state, opened_at DESC);
CREATE INDEX alerts_escalation ON alerts (next_escalation_at) WHERE next_escalation_at IS NOT NULL;

-- The parcels behind a grouped alert (500 late parcels at a hub: one alert, 500 rows).
CREATE TABLE alert_items (
  alert_id  bigint NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  waybill   text NOT NULL,
  PRIMARY KEY (alert_id, waybill)
);

-- Every transition, with who, when and why.
CREATE TABLE alert_history (
  id        bigserial PRIMARY KEY,
  alert_id  bigint NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  at        timestamptz NOT NULL,
  action    text NOT NULL CHECK (action IN ('opened', 'updated', 'acknowledged', 'resolved', 'auto_resolved', 'escalated', 'reminded')),
  user_id   bigint REFERENCES users (id),
  comment   text NOT NULL DEFAULT '',
  details   jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX alert_history_alert ON alert_history (alert_id, at);
