-- Core schema: reference data, shipments with their current state, the scan
-- event hypertable, accounts. Append-only: later changes go in new files.
CREATE EXTENSION IF NOT EXISTS timescaledb;

CREATE TABLE hubs (
  code        text PRIMARY KEY CHECK (code ~ '^[A-Z0-9-]{2,16}$'),
  name        text NOT NULL,
  city        text NOT NULL,
  province    text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('outlet', 'sorting_centre', 'transfer_centre')),
  latitude    double precision NOT NULL CHECK (latitude BETWEEN -90 AND 90),
  longitude   double precision NOT NULL CHECK (longitude BETWEEN -180 AND 180),
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE couriers (
  code        text PRIMARY KEY CHECK (code ~ '^[A-Z0-9-]{2,24}$'),
  name        text NOT NULL,
  hub_code    text NOT NULL REFERENCES hubs (code),
  active      boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- The collection record of manual 3.3.1 plus the parcel's current state.
-- Personal columns are nullable: the retention job blanks them after closure.
CREATE TABLE shipments (
  waybill               text PRIMARY KEY,
  tier                  text NOT NULL CHECK (tier IN ('express', 'standard', 'economy')),
  sender_name           text,
  sender_phone          text,
  sender_address        text,
  sender_city           text NOT NULL,
  recipient_name        text,
  recipient_phone       text,
  recipient_phone_last4 text,
  recipient_address     text,
  recipient_city        text NOT NULL,
  origin_hub            text NOT NULL REFERENCES hubs (code),
  destination_hub       text NOT NULL REFERENCES hubs (code),
  item_name             text NOT NULL,
  weight_kg             numeric(10, 3) NOT NULL CHECK (weight_kg > 0),
  volume_cm3            numeric(14, 1) NOT NULL CHECK (volume_cm3 > 0),
  declared_value_fen    bigint CHECK (declared_value_fen >= 0),
  chargeable_weight_kg  numeric(10, 3) NOT NULL,
  fee_zone              smallint NOT NULL,
  fee_base_fen          integer NOT NULL,
  fee_weight_fen        integer NOT NULL,
  fee_tier_fen          integer NOT NULL,
  fee_insurance_fen     integer NOT NULL,
  fee_total_fen         integer NOT NULL,
  payment_state         text NOT NULL DEFAULT 'unpaid' CHECK (payment_state IN ('unpaid', 'paid', 'invoiced')),
  collected_at          timestamptz NOT NULL,
  collected_by          text NOT NULL REFERENCES couriers (code),
  status                text NOT NULL DEFAULT 'collected'
                        CHECK (status IN ('collected', 'in_transit', 'out_for_delivery', 'delivery_failed', 'exception', 'delivered', 'returned')),
  status_at             timestamptz NOT NULL,
  last_scan_at          timestamptz,
  last_scan_hub         text,
  last_event_type       text,
  delivered_at          timestamptz,
  signer                text,
  exception_reason      text CHECK (exception_reason IN ('lost', 'damaged', 'wrong_address', 'refused')),
  exception_at          timestamptz,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now()
) WITH (fillfactor = 80);
-- No index touches the state columns, so the state updates of every ingest batch
-- are HOT updates (no index maintenance); fillfactor leaves them room on the page.
CREATE INDEX shipments_recipient_phone ON shipments (recipient_phone);
CREATE INDEX shipments_recipient_phone_last4 ON shipments (recipient_phone_last4);
CREATE INDEX shipments_recipient_name ON shipments (recipient_name);
CREATE INDEX shipments_collected_at ON shipments (collected_at);

-- Every scan. Deduplicated by (event_time, event_id): a hypertable's unique
-- indexes must contain the time column, so the producer stamps the time once at
-- the scan and resends it unchanged. Time first, so the key also serves time
-- ranges and inserts append to the right of the index (no separate time index).
CREATE TABLE scan_events (
  event_id     text NOT NULL,
  event_time   timestamptz NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  waybill      text NOT NULL,
  type         text NOT NULL CHECK (type IN ('collected', 'departed_hub', 'arrived_hub', 'out_for_delivery', 'delivered', 'delivery_failed', 'exception', 'returned')),
  hub_code     text,
  courier_code text,
  latitude     double precision,
  longitude    double precision,
  signer       text,
  reason       text,
  detail       text,
  PRIMARY KEY (event_time, event_id)
);
SELECT create_hypertable('scan_events', by_range('event_time', INTERVAL '1 day'), create_default_indexes => false);
CREATE INDEX scan_events_waybill ON scan_events (waybill, event_time);
ALTER TABLE scan_events SET (
  timescaledb.compress,
  timescaledb.compress_segmentby = 'hub_code',
  timescaledb.compress_orderby = 'event_time DESC'
);
-- Late scans keep arriving for a few weeks (returns, claims); compress after that.
SELECT add_compression_policy('scan_events', INTERVAL '30 days');
SELECT add_retention_policy('scan_events', INTERVAL '400 days');

CREATE TABLE users (
  id            bigserial PRIMARY KEY,
  username      text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9._-]{2,40}$'),
  display_name  text NOT NULL,
  role          text NOT NULL CHECK (role IN ('admin', 'manager', 'control_room', 'on_call', 'cs_operator', 'finance')),
  password_hash text NOT NULL,
  hub_code      text REFERENCES hubs (code),
  disabled      boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
  token_hash    text PRIMARY KEY,
  user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  last_seen_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Machine credentials (scanners, sorting lines, the simulator).
CREATE TABLE api_tokens (
  id          bigserial PRIMARY KEY,
  name        text NOT NULL,
  token_hash  text NOT NULL UNIQUE,
  role        text NOT NULL CHECK (role IN ('integrator')),
  created_by  bigint REFERENCES users (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);
