-- Customer satisfaction (manual 5.2, 6.3): a score per parcel (surveys, phone,
-- integrators) or per complaint (asked at closing).
CREATE TABLE feedback (
  id            bigserial PRIMARY KEY,
  waybill       text REFERENCES shipments (waybill),
  complaint_id  bigint REFERENCES complaints (id),
  score         smallint NOT NULL CHECK (score BETWEEN 1 AND 5),
  comment       text NOT NULL DEFAULT '',
  source        text NOT NULL CHECK (source IN ('parcel', 'complaint')),
  created_at    timestamptz NOT NULL,
  created_by    bigint REFERENCES users (id),
  CHECK (waybill IS NOT NULL OR complaint_id IS NOT NULL)
);
CREATE INDEX feedback_created ON feedback (created_at);
CREATE UNIQUE INDEX feedback_one_per_complaint ON feedback (complaint_id) WHERE complaint_id IS NOT NULL;
