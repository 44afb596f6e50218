-- Up Migration
CREATE TABLE operators (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('viewer', 'approver', 'admin')),
  -- SHA-256 of the bearer token: the token itself is shown once and never stored.
  token_hash char(64) NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);

CREATE TABLE participants (
  id text PRIMARY KEY,
  name text NOT NULL,
  currencies text[] NOT NULL,
  webhook_url text,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE participant_keys (
  key_id text PRIMARY KEY,
  participant text NOT NULL REFERENCES participants (id),
  public_key text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);

CREATE TABLE idempotency_keys (
  participant text NOT NULL,
  idempotency_key text NOT NULL,
  request_hash char(64) NOT NULL,
  -- the resource id reserved for this request, reused if the first attempt died half-way
  resource_id uuid NOT NULL,
  state text NOT NULL CHECK (state IN ('in_progress', 'done')),
  locked_until timestamptz NOT NULL,
  response_status integer,
  response_body jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (participant, idempotency_key),
  CHECK ((state = 'done') = (response_status IS NOT NULL))
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);

CREATE TABLE payments (
  uetr uuid PRIMARY KEY,
  participant text NOT NULL,
  creditor_participant text NOT NULL,
  quote_id text NOT NULL UNIQUE,
  quote jsonb NOT NULL,
  end_to_end_id text NOT NULL,
  debtor jsonb NOT NULL,
  creditor jsonb NOT NULL,
  remittance_info text,
  status text NOT NULL CHECK (status IN ('RECEIVED', 'HELD', 'SUBMITTED', 'SETTLED', 'REJECTED')),
  reason text,
  block_height bigint,
  block_hash char(64),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payments_participant ON payments (participant, created_at, uetr);
CREATE INDEX payments_creditor ON payments (creditor_participant, created_at, uetr);

CREATE TABLE payment_timeline (
  uetr uuid NOT NULL REFERENCES payments (uetr),
  status text NOT NULL,
  reason text,
  at timestamptz NOT NULL,
  PRIMARY KEY (uetr, status)
);

-- Operator requests that go through the ledger (participant accounts, deposits, withdrawals).
CREATE TABLE admin_requests (
  request_id uuid PRIMARY KEY,
  kind text NOT NULL,
  participant text NOT NULL,
  payload jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('SUBMITTED', 'SETTLED', 'REJECTED')),
  reason text,
  block_height bigint,
  block_hash char(64),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE admin_requests;
DROP TABLE payment_timeline;
DROP TABLE payments;
DROP TABLE idempotency_keys;
DROP TABLE participant_keys;
DROP TABLE participants;
DROP TABLE operators;
