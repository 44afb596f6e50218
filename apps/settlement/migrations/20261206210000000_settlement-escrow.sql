-- Up Migration
-- Conditional payments (docs/settlement.md, "Escrow"): RESERVED joins the statuses (funds in escrow on the ledger
-- until the condition is fulfilled or expires); a payment keeps its hash-lock; a fulfilment is a request of its own.
ALTER TABLE payments ADD COLUMN condition jsonb;
ALTER TABLE payments DROP CONSTRAINT payments_status_check,
  ADD CONSTRAINT payments_status_check
  CHECK (status IN ('RECEIVED', 'HELD', 'SUBMITTED', 'QUEUED', 'RESERVED', 'SETTLED', 'REJECTED', 'CANCELLED', 'RETURNED'));

CREATE OR REPLACE FUNCTION payments_check_transition() RETURNS trigger AS $$
BEGIN
  IF NEW.status = OLD.status THEN
    RETURN NEW;
  END IF;
  IF NOT ((OLD.status = 'RECEIVED' AND NEW.status IN ('HELD', 'SUBMITTED', 'REJECTED', 'CANCELLED'))
       OR (OLD.status = 'HELD' AND NEW.status IN ('SUBMITTED', 'REJECTED', 'CANCELLED'))
       OR (OLD.status = 'SUBMITTED' AND NEW.status IN ('QUEUED', 'RESERVED', 'SETTLED', 'REJECTED'))
       OR (OLD.status = 'QUEUED' AND NEW.status IN ('RESERVED', 'SETTLED', 'REJECTED', 'CANCELLED'))
       OR (OLD.status = 'RESERVED' AND NEW.status IN ('SETTLED', 'REJECTED'))
       OR (OLD.status = 'SETTLED' AND NEW.status = 'RETURNED')) THEN
    RAISE EXCEPTION 'illegal payment transition % -> %', OLD.status, NEW.status USING ERRCODE = 'check_violation';
  END IF;
  NEW.updated_at := now();
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

ALTER TABLE payment_events DROP CONSTRAINT payment_events_status,
  ADD CONSTRAINT payment_events_status
  CHECK (status IN ('RECEIVED', 'HELD', 'SUBMITTED', 'QUEUED', 'RESERVED', 'SETTLED', 'REJECTED', 'CANCELLED', 'RETURNED'));

ALTER TABLE exception_requests DROP CONSTRAINT exception_requests_kind_check,
  ADD CONSTRAINT exception_requests_kind_check CHECK (kind IN ('cancel', 'recall', 'recall_response', 'return', 'fulfil'));

-- Down Migration
ALTER TABLE exception_requests DROP CONSTRAINT exception_requests_kind_check,
  ADD CONSTRAINT exception_requests_kind_check CHECK (kind IN ('cancel', 'recall', 'recall_response', 'return'));
ALTER TABLE payment_events DROP CONSTRAINT payment_events_status,
  ADD CONSTRAINT payment_events_status CHECK (status IN ('RECEIVED', 'HELD', 'SUBMITTED', 'QUEUED', 'SETTLED', 'REJECTED', 'CANCELLED', 'RETURNED'));
ALTER TABLE payments DROP CONSTRAINT payments_status_check,
  ADD CONSTRAINT payments_status_check CHECK (status IN ('RECEIVED', 'HELD', 'SUBMITTED', 'QUEUED', 'SETTLED', 'REJECTED', 'CANCELLED', 'RETURNED'));
ALTER TABLE payments DROP COLUMN condition;
