-- People's accounts managed in the product (issue 12.1): an admin creates people,
-- resets their password (they must choose a new one at their next sign-in), disables
-- and re-enables them, and sees when each last signed in.
ALTER TABLE users
  ADD COLUMN must_change_password boolean NOT NULL DEFAULT false,
  ADD COLUMN last_login_at        timestamptz,
  ADD COLUMN password_changed_at  timestamptz,
  ADD COLUMN updated_at           timestamptz NOT NULL DEFAULT now();
