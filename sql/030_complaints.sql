-- Complaints (manual 6.2): receive → analyse → coordinate → reply → close, each
-- step with who, when and a note; a handling time limit by category, frozen on
-- the complaint at intake so a later change of the limit never moves a deadline.
CREATE TABLE complaint_categories (
  code         text PRIMARY KEY CHECK (code ~ '^[a-z_]{2,32}$'),
  label_zh     text NOT NULL,
  label_en     text NOT NULL,
  limit_hours  integer NOT NULL CHECK (limit_hours BETWEEN 1 AND 720),
  updated_by   bigint REFERENCES users (id),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
INSERT INTO complaint_categories (code, label_zh, label_en, limit_hours) VALUES
  ('delay',    '延误',     'Late delivery',       24),
  ('attitude', '服务态度', 'Courier or staff attitude', 24),
  ('damage',   '破损',     'Damaged parcel',      48),
  ('loss',     '丢失',     'Lost parcel',         48),
  ('fee',      '费用',     'Fee or invoice',      48),
  ('other',    '其他',     'Other',               48);

-- The contact is personal data: served in clear only to roles that talk to customers.
CREATE TABLE complaints (
  id             bigserial PRIMARY KEY,
  channel        text NOT NULL CHECK (channel IN ('phone', 'email', 'online')),
  category       text NOT NULL REFERENCES complaint_categories (code),
  waybill        text REFERENCES shipments (waybill),
  description    text NOT NULL,
  contact_name   text,
  contact_phone  text,
  contact_email  text,
  state          text NOT NULL DEFAULT 'received' CHECK (state IN ('received', 'analysing', 'coordinating', 'replied', 'closed')),
  limit_hours    integer NOT NULL,
  received_at    timestamptz NOT NULL,
  due_at         timestamptz NOT NULL,
  created_by     bigint REFERENCES users (id),
  replied_at     timestamptz,
  closed_at      timestamptz,
  satisfaction   smallint CHECK (satisfaction BETWEEN 1 AND 5),
  updated_at     timestamptz NOT NULL,
  CHECK ((state = 'closed') = (closed_at IS NOT NULL))
);
-- The complaint-limit rule of the SLA sweep reads only the ones not yet answered.
CREATE INDEX complaints_unanswered_due ON complaints (due_at) WHERE state IN ('received', 'analysing', 'coordinating');
CREATE INDEX complaints_received ON complaints (received_at DESC);
CREATE INDEX complaints_waybill ON complaints (waybill) WHERE waybill IS NOT NULL;

CREATE TABLE complaint_history (
  id            bigserial PRIMARY KEY,
  complaint_id  bigint NOT NULL REFERENCES complaints (id) ON DELETE CASCADE,
  at            timestamptz NOT NULL,
  from_state    text,
  to_state      text NOT NULL,
  user_id       bigint REFERENCES users (id),
  note          text NOT NULL DEFAULT ''
);
CREATE INDEX complaint_history_complaint ON complaint_history (complaint_id, at);
