-- Up Migration
-- The way back (docs/exceptions.md): cancel before the ledger, recall and return after it.

-- CANCELLED (before the ledger, with the bank's optional reason) and RETURNED (after SETTLED, once the whole receive
-- amount came back) join the statuses, in the check, the transition trigger and the timeline alike.
ALTER TABLE payments DROP CONSTRAINT payments_status_check,
  ADD CONSTRAINT payments_status_check CHECK (status IN ('RECEIVED', 'HELD', 'SUBMITTED', 'SETTLED', 'REJECTED', 'CANCELLED', 'RETURNED'));
ALTER TABLE payments DROP CONSTRAINT payments_check,
  ADD CONSTRAINT payments_reason_only_when_stopped CHECK (status IN ('REJECTED', 'CANCELLED') OR reason IS NULL),
  ADD CONSTRAINT payments_rejected_has_reason CHECK (status <> 'REJECTED' OR reason IS NOT NULL);
ALTER TABLE payments DROP CONSTRAINT payments_check1,
  ADD CONSTRAINT payments_settled_has_block CHECK (status NOT IN ('SETTLED', 'RETURNED') OR block_height IS NOT NULL);

CREATE OR REPLACE FUNCTION payments_check_transition() RETURNS trigger AS $$
BEGIN
  IF NEW.status = OLD.status THEN
    RETURN NEW;
  END IF;
  IF NOT ((OLD.status = 'RECEIVED' AND NEW.status IN ('HELD', 'SUBMITTED', 'REJECTED', 'CANCELLED'))
       OR (OLD.status = 'HELD' AND NEW.status IN ('SUBMITTED', 'REJECTED', 'CANCELLED'))
       OR (OLD.status = 'SUBMITTED' AND NEW.status IN ('SETTLED', 'REJECTED'))
       OR (OLD.status = 'SETTLED' AND NEW.status = 'RETURNED')) THEN
    RAISE EXCEPTION 'illegal payment transition % -> %', OLD.status, NEW.status USING ERRCODE = 'check_violation';
  END IF;
  NEW.updated_at := now();
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

ALTER TABLE payment_events DROP CONSTRAINT payment_events_status,
  ADD CONSTRAINT payment_events_status CHECK (status IN ('RECEIVED', 'HELD', 'SUBMITTED', 'SETTLED', 'REJECTED', 'CANCELLED', 'RETURNED'));
DROP INDEX payment_events_one_final;
CREATE UNIQUE INDEX payment_events_one_final ON payment_events (uetr) WHERE status IN ('SETTLED', 'REJECTED', 'CANCELLED');

-- Every cancel, recall, recall answer and return request, decided once by its request id (the gateway's resource id).
CREATE TABLE exception_requests (
  request_id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('cancel', 'recall', 'recall_response', 'return')),
  uetr uuid NOT NULL,
  participant text NOT NULL,
  refusal text,
  decided_at timestamptz NOT NULL DEFAULT now()
);

-- A recall asks the creditor bank for the money back; at most one is pending per payment.
CREATE TABLE payment_recalls (
  recall_id uuid PRIMARY KEY,
  uetr uuid NOT NULL REFERENCES payments (uetr),
  reason text NOT NULL,
  comment text,
  status text NOT NULL CHECK (status IN ('PENDING', 'ACCEPTED', 'REJECTED', 'EXPIRED')),
  respond_by timestamptz NOT NULL,
  resolution_reason text,
  return_id uuid,
  requested_at timestamptz NOT NULL,
  resolved_at timestamptz,
  CHECK ((status = 'PENDING') = (resolved_at IS NULL)),
  CHECK (status <> 'ACCEPTED' OR return_id IS NOT NULL),
  CHECK (status <> 'REJECTED' OR resolution_reason IS NOT NULL)
);
CREATE UNIQUE INDEX payment_recalls_one_pending ON payment_recalls (uetr) WHERE status = 'PENDING';
CREATE INDEX payment_recalls_respond_by ON payment_recalls (respond_by) WHERE status = 'PENDING';
CREATE INDEX payment_recalls_uetr ON payment_recalls (uetr, requested_at);

-- A return gives back all or part of a settled payment's receive amount, as its own ledger transaction (id = return_id).
CREATE TABLE payment_returns (
  return_id uuid PRIMARY KEY,
  uetr uuid NOT NULL REFERENCES payments (uetr),
  recall_id uuid REFERENCES payment_recalls (recall_id),
  reason text NOT NULL,
  amount_minor numeric(40, 0) NOT NULL CHECK (amount_minor > 0),
  source_amount_minor numeric(40, 0) NOT NULL CHECK (source_amount_minor >= 0),
  -- the payment's receive amount, copied so the schema itself can refuse returns adding up to more
  receive_minor numeric(40, 0) NOT NULL CHECK (receive_minor > 0),
  status text NOT NULL CHECK (status IN ('RECEIVED', 'SETTLED', 'REJECTED')),
  reject_reason text,
  block_height bigint,
  block_hash char(64),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((status = 'REJECTED') = (reject_reason IS NOT NULL)),
  CHECK (status = 'RECEIVED' OR block_height IS NOT NULL)
);
CREATE INDEX payment_returns_uetr ON payment_returns (uetr, created_at);
CREATE INDEX payment_returns_open ON payment_returns (created_at) WHERE status = 'RECEIVED';

-- Returns not rejected never add up to more than the receive amount: checked when the transaction commits.
CREATE FUNCTION payment_returns_within_payment() RETURNS trigger AS $$
BEGIN
  IF (SELECT sum(amount_minor) FROM payment_returns WHERE uetr = NEW.uetr AND status <> 'REJECTED') > NEW.receive_minor THEN
    RAISE EXCEPTION 'returns of payment % exceed its receive amount', NEW.uetr USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE CONSTRAINT TRIGGER payment_returns_bounded AFTER INSERT OR UPDATE ON payment_returns
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION payment_returns_within_payment();

-- A return's ledger record names it: reconciliation pairs payments by tx_id = uetr and returns by return_id.
ALTER TABLE ledger_transactions ADD COLUMN return_id uuid;

-- Down Migration
ALTER TABLE ledger_transactions DROP COLUMN return_id;
DROP TRIGGER payment_returns_bounded ON payment_returns;
DROP FUNCTION payment_returns_within_payment();
DROP TABLE payment_returns;
DROP TABLE payment_recalls;
DROP TABLE exception_requests;
DROP INDEX payment_events_one_final;
CREATE UNIQUE INDEX payment_events_one_final ON payment_events (uetr) WHERE status IN ('SETTLED', 'REJECTED');
ALTER TABLE payment_events DROP CONSTRAINT payment_events_status,
  ADD CONSTRAINT payment_events_status CHECK (status IN ('RECEIVED', 'HELD', 'SUBMITTED', 'SETTLED', 'REJECTED'));
CREATE OR REPLACE FUNCTION payments_check_transition() RETURNS trigger AS $$
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
ALTER TABLE payments DROP CONSTRAINT payments_settled_has_block, ADD CONSTRAINT payments_check1 CHECK (status <> 'SETTLED' OR block_height IS NOT NULL);
ALTER TABLE payments DROP CONSTRAINT payments_rejected_has_reason, DROP CONSTRAINT payments_reason_only_when_stopped,
  ADD CONSTRAINT payments_check CHECK ((status = 'REJECTED') = (reason IS NOT NULL));
ALTER TABLE payments DROP CONSTRAINT payments_status_check,
  ADD CONSTRAINT payments_status_check CHECK (status IN ('RECEIVED', 'HELD', 'SUBMITTED', 'SETTLED', 'REJECTED'));
