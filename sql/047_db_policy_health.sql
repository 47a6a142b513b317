-- The embedded database's record of its policy runs (003) also keeps what a
-- server's job_stats keeps: the last successful run and how many runs failed
-- (in all and in a row), for /metrics, /readyz and the admins' stale-data warning.
ALTER TABLE db_policy_runs
  ADD COLUMN last_success_at timestamptz,
  ADD COLUMN total_failures integer NOT NULL DEFAULT 0,
  ADD COLUMN consecutive_failures integer NOT NULL DEFAULT 0;
UPDATE db_policy_runs SET last_success_at = last_run_at WHERE last_error IS NULL;
