-- Up Migration
CREATE TABLE payments (
  uetr uuid PRIMARY KEY,
  participant text NOT NULL,
  creditor_participant text NOT NULL,
  quote_id text NOT NULL,
  quote jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('RECEIVED', 'HELD', 'SUBMITTED', 'SETTLED', 'REJECTED')),
  reason text,
  accepted_at timestamptz NOT NULL,
  not_after timestamptz,
  block_height bigint,
  block_hash char(64),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((status = 'REJECTED') = (reason IS NOT NULL)),
  CHECK (status <> 'SETTLED' OR block_height IS NOT NULL)
);
CREATE INDEX payments_status ON payments (status, updated_at);

-- The authoritative record of quote use: a quote pays at most one payment.
CREATE TABLE quote_uses (
  quote_id text PRIMARY KEY,
  uetr uuid NOT NULL UNIQUE,
  used_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE payment_events (
  id bigserial PRIMARY KEY,
  uetr uuid NOT NULL REFERENCES payments (uetr),
  status text NOT NULL,
  reason text,
  at timestamptz NOT NULL,
  cause text NOT NULL
);
CREATE INDEX payment_events_uetr ON payment_events (uetr, id);

-- Illegal transitions are refused by the database too, not only by the code.
CREATE FUNCTION payments_check_transition() RETURNS trigger AS $$
BEGIN
  IF NEW.status = OLD.status THEN
    RETURN NEW;
  END IF;
  IF NOT ((OLD.status = 'RECEIVED' AND NEW.status IN ('HELD', 'SUBMITTED', 'REJECTED'))
       OR (OLD.status = 'HELD' AND NEW.status IN ('SUBMITTED', 'REJECTED'))
       OR (OLD.status = 'SUBMITTED' AND NEW.status IN ('SETTLED', 'REJECTED'))) THEN
    RAISE EXCEPTION 'illegal payment transition % -> %', OLD.status, NEW.status USING ERRCODE = 'check_violation';
  END IF;
  NEW.updated_at := now();
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER payments_transition BEFORE UPDATE OF status ON payments
  FOR EACH ROW EXECUTE FUNCTION payments_check_transition();

-- Deposits, withdrawals and participant configuration: ledger requests that are not payments.
CREATE TABLE ledger_requests (
  request_id text PRIMARY KEY,
  kind text NOT NULL,
  participant text,
  payload jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('SUBMITTED', 'SETTLED', 'REJECTED')),
  reason text,
  block_height bigint,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE finalized_blocks (
  height bigint PRIMARY KEY,
  hash char(64) NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE finalized_blocks;
DROP TABLE ledger_requests;
DROP TRIGGER payments_transition ON payments;
DROP FUNCTION payments_check_transition();
DROP TABLE payment_events;
DROP TABLE quote_uses;
DROP TABLE payments;
