-- Search as customer service speaks (GET /api/v1/track): a full or partial name of
-- two or more characters, alone or with the phone's last 4 digits, and a waybill
-- prefix of six or more.
--
-- Names: every two-character piece (bigram) of the recipient's and the sender's
-- name, lower-cased without spaces, in one GIN index. A query's bigrams must all be
-- in a parcel's (index), then the name must contain the query (recheck). Bigrams,
-- not pg_trgm's trigrams: a trigram index can't serve the two-character names that
-- are the commonest in China (李娜, 司马), and this needs no extension on either
-- engine (the functions name their schema: PostgreSQL 17 builds indexes with a
-- search_path of pg_catalog only). An expression index over columns that state updates never touch keeps the
-- ingest's state updates HOT.
CREATE FUNCTION search_name(n text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT replace(lower(n), ' ', '') $$;

CREATE FUNCTION name_bigrams(a text, b text) RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$
    SELECT coalesce(array_agg(DISTINCT substr(n, i, 2)), '{}')
    FROM unnest(ARRAY[public.search_name(a), public.search_name(b)]) AS n, generate_series(1, length(n) - 1) AS i
    WHERE n IS NOT NULL
  $$;

CREATE INDEX shipments_name_bigrams ON shipments USING gin (name_bigrams(recipient_name, sender_name));

-- Waybill prefixes (LIKE 'PW12345%'): the primary key serves LIKE only under the C
-- collation (the embedded engine's); a server database may use another.
CREATE INDEX shipments_waybill_prefix ON shipments (waybill text_pattern_ops);
