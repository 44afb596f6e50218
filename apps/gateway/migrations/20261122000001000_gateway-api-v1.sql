-- Up Migration
-- The complete bank API (docs/gateway.md): key rotation, suspension, screening, webhooks.

ALTER TABLE participant_keys ADD CONSTRAINT participant_keys_key_id_format CHECK (key_id ~ '^[A-Za-z0-9._:-]{1,64}$');
CREATE INDEX participant_keys_participant ON participant_keys (participant);
ALTER TABLE participants ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

-- Amounts of each payment in minor units, for velocity limits (sums over a window) without parsing JSON.
ALTER TABLE payments ADD COLUMN source_currency char(3);
ALTER TABLE payments ADD COLUMN total_debit_minor numeric(38, 0) CHECK (total_debit_minor >= 0);
UPDATE payments SET source_currency = quote ->> 'sourceCurrency';
CREATE INDEX payments_velocity ON payments (participant, source_currency, created_at);

-- Per-participant, per-currency screening limits set by operators. NULL = no limit of that kind.
CREATE TABLE screening_limits (
  participant text NOT NULL REFERENCES participants (id),
  currency char(3) NOT NULL,
  -- the largest total debit of one payment
  max_amount_minor numeric(38, 0) CHECK (max_amount_minor > 0),
  -- at most velocity_count payments, and at most velocity_amount_minor in total, per velocity_window_s
  velocity_count integer CHECK (velocity_count > 0),
  velocity_amount_minor numeric(38, 0) CHECK (velocity_amount_minor > 0),
  velocity_window_s integer CHECK (velocity_window_s BETWEEN 1 AND 604800),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (participant, currency),
  CHECK ((velocity_count IS NULL AND velocity_amount_minor IS NULL) OR velocity_window_s IS NOT NULL)
);

-- Every screening decision that stopped or held a payment, for operators (the reason they see).
CREATE TABLE screening_hits (
  id uuid PRIMARY KEY,
  uetr uuid,
  participant text NOT NULL,
  action text NOT NULL CHECK (action IN ('reject', 'hold')),
  reason text NOT NULL,
  -- which list entry and which party field matched
  matched jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX screening_hits_created_at ON screening_hits (created_at, id);

-- The webhook outbox: one row per event and recipient, written in the transaction that consumed the
-- settlement event, delivered (at least once) by the dispatcher until the bank answers 2xx.
CREATE TABLE webhook_deliveries (
  id uuid PRIMARY KEY,
  participant text NOT NULL,
  type text NOT NULL CHECK (type IN ('payment.settled', 'payment.rejected', 'payment.held', 'payment.received')),
  uetr uuid,
  -- what caused it (a settlement event id, or the gateway's own decision); one delivery per cause and recipient
  source_id text NOT NULL,
  payload jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'delivered', 'abandoned')),
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_attempt_at timestamptz,
  last_status integer,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz,
  UNIQUE (source_id, participant, type),
  CHECK ((status = 'delivered') = (delivered_at IS NOT NULL))
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_participant ON webhook_deliveries (participant, created_at);

-- Signature nonces seen within the clock-skew window (API.md: a nonce makes a signature single-use). Kept in
-- Postgres, not Redis, so a Redis that lost its data cannot let a signed request be replayed.
CREATE TABLE signature_nonces (
  key_id text NOT NULL,
  nonce_hash char(64) NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (key_id, nonce_hash)
);
CREATE INDEX signature_nonces_expires_at ON signature_nonces (expires_at);

-- Down Migration
DROP TABLE signature_nonces;
DROP TABLE webhook_deliveries;
DROP TABLE screening_hits;
DROP TABLE screening_limits;
DROP INDEX payments_velocity;
ALTER TABLE payments DROP COLUMN total_debit_minor;
ALTER TABLE payments DROP COLUMN source_currency;
ALTER TABLE participants DROP COLUMN updated_at;
DROP INDEX participant_keys_participant;
ALTER TABLE participant_keys DROP CONSTRAINT participant_keys_key_id_format;
