-- Admin overrides of the SLA thresholds (stall limits, loss limit, escalation
-- timing...). Unset keys use the configured defaults.
CREATE TABLE sla_settings (
  key         text PRIMARY KEY,
  value       double precision NOT NULL,
  updated_by  bigint REFERENCES users (id),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
