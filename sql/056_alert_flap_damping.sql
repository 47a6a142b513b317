-- Flap damping (server/domain/alert-lifecycle.ts flapQuiet, issue 11): a condition
-- back within 12 h after its alert resolved by itself opens a new alert that is
-- quiet until `quiet_until` (muted as 'flapping': it is shown, it neither pages nor
-- escalates), unless critical or worse than the earlier alert's peak by a margin.
-- `peak_count` is an alert's largest count while it was unresolved (item_count is
-- set to 0 when it resolves). The index finds a (rule, subject)'s last resolved alert,
-- for flap damping and for a person's resolution (server/db/alerts-repo.ts gateNew).
ALTER TABLE alerts ADD COLUMN peak_count integer NOT NULL DEFAULT 0;
ALTER TABLE alerts ADD COLUMN quiet_until timestamptz;
UPDATE alerts SET peak_count = item_count WHERE item_count > 0;
CREATE INDEX alerts_last_resolved ON alerts (rule, subject, resolved_at DESC) WHERE state = 'resolved';
