-- Escalation routing: an endpoint with min_escalation_level 1 (a manager's pager)
-- hears only about alerts that nobody acknowledged in time, from their
-- escalation on (reminders included); 0 hears about everything it matches.
ALTER TABLE webhook_endpoints ADD COLUMN min_escalation_level smallint NOT NULL DEFAULT 0 CHECK (min_escalation_level >= 0);
