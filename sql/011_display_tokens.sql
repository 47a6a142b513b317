-- Control-room wall screens: enrolled once with a long-lived, revocable, read-only
-- display token (issue 4). Only the token's hash is stored.
CREATE TABLE display_tokens (
  id            bigserial PRIMARY KEY,
  name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
  token_hash    text NOT NULL UNIQUE,
  created_by    bigint REFERENCES users (id),
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz,
  revoked_at    timestamptz,
  revoked_by    bigint REFERENCES users (id)
);
