-- Audit log (issue 6): every unmasking of personal data and every admin or
-- configuration action, with who, what and when. `details` never holds personal
-- data (waybill numbers, ids and counts only). user_id is NULL for the system
-- (the retention job); username and role are copied so that the entry outlives
-- a renamed or deleted account.
CREATE TABLE audit_log (
  id          bigserial PRIMARY KEY,
  at          timestamptz NOT NULL,
  user_id     bigint REFERENCES users (id) ON DELETE SET NULL,
  username    text NOT NULL,
  role        text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('unmask', 'admin_action', 'system')),
  action      text NOT NULL CHECK (action ~ '^[a-z_]+(\.[a-z_]+)*$'),
  target      text,
  route       text,
  request_id  text,
  details     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_action ON audit_log (action, at DESC);
CREATE INDEX audit_log_username ON audit_log (username, at DESC);
