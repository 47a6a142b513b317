-- When each TimescaleDB policy last ran on the embedded database. PGlite has no
-- background scheduler, and CALL run_job() does not update job_stats, so the
-- maintenance job keeps its own record to run each policy on its own schedule.
CREATE TABLE db_policy_runs (
  job_id       integer PRIMARY KEY,
  last_run_at  timestamptz NOT NULL,
  last_error   text
);
