-- Alerts in the reader's language (issue 11): a title is stored as a message key
-- and its parameters, rendered in Chinese or English where it is read (the web's
-- console, wall ticker and handover; webhooks in their endpoint's `lang`), from the
-- one catalog web/src/alerts/messages.ts. `title` keeps the words a person wrote
-- (an incident's title) and the titles stored before this migration, which are
-- shown as written; a new detected alert has a key and no title.
ALTER TABLE alerts ADD COLUMN title_key text;
ALTER TABLE alerts ADD COLUMN title_params jsonb;
ALTER TABLE alerts ALTER COLUMN title DROP NOT NULL;
ALTER TABLE alerts ADD CONSTRAINT alerts_title_or_key CHECK (title IS NOT NULL OR title_key IS NOT NULL);

-- The language a webhook receiver gets its alert titles in.
ALTER TABLE webhook_endpoints ADD COLUMN lang text NOT NULL DEFAULT 'zh' CHECK (lang IN ('zh', 'en'));
