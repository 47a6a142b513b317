-- Outgoing webhooks, delivered from an outbox in the database so that a dead
-- worker or a failing receiver loses nothing. Routing: an endpoint receives the
-- alerts whose rule, severity and hub match its filters (NULL = any).
CREATE TABLE webhook_endpoints (
  id            bigserial PRIMARY KEY,
  name          text NOT NULL,
  url           text NOT NULL CHECK (url ~ '^https?://'),
  secret        text NOT NULL,
  rules         text[],
  min_severity  text NOT NULL DEFAULT 'info' CHECK (min_severity IN ('info', 'warning', 'critical')),
  hub_codes     text[],
  active        boolean NOT NULL DEFAULT true,
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhook_outbox (
  id               bigserial PRIMARY KEY,
  endpoint_id      bigint NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  alert_id         bigint NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  payload          jsonb NOT NULL,
  created_at       timestamptz NOT NULL,
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL,
  delivered_at     timestamptz,
  last_status      integer,
  last_error       text
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at) WHERE delivered_at IS NULL;
CREATE INDEX webhook_outbox_alert ON webhook_outbox (endpoint_id, alert_id, id);

-- Silences (ad hoc) and maintenance windows: alerts whose rule and hub match an
-- active one are still recorded, but nobody is paged for them.
CREATE TABLE silences (
  id          bigserial PRIMARY KEY,
  rule        text,
  hub_code    text REFERENCES hubs (code),
  starts_at   timestamptz NOT NULL,
  ends_at     timestamptz NOT NULL CHECK (ends_at > starts_at),
  kind        text NOT NULL DEFAULT 'silence' CHECK (kind IN ('silence', 'maintenance')),
  comment     text NOT NULL,
  created_by  bigint REFERENCES users (id),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX silences_active ON silences (ends_at);
