-- Conditions seen by a sweep but not yet held for the pending period (issue 11):
-- an alert opens only once its (rule, subject) has been seen continuously for
-- that long, so a parcel group that flickers across a threshold never pages.
-- One row per (rule, subject); removed when the alert opens or the condition clears.
CREATE TABLE alert_pending (
  rule           text NOT NULL,
  subject        text NOT NULL,
  first_seen_at  timestamptz NOT NULL,
  last_seen_at   timestamptz NOT NULL,
  PRIMARY KEY (rule, subject)
);

-- 'raised': an open alert's severity rose from info to warning or critical (it pages then).
ALTER TABLE alert_history DROP CONSTRAINT alert_history_action_check;
ALTER TABLE alert_history ADD CONSTRAINT alert_history_action_check
  CHECK (action IN ('opened', 'updated', 'raised', 'acknowledged', 'resolved', 'auto_resolved', 'escalated', 'reminded'));
