-- Up Migration
-- The liquidity queue (docs/settlement.md, "Liquidity queue"): QUEUED joins the statuses between SUBMITTED and the
-- ledger's outcome; a payment may ask to wait (queue_for_ms, carried on its ledger transaction); a cancel of a queued
-- payment waits for the ledger's answer (awaiting_ledger) before it is answered.
ALTER TABLE payments ADD COLUMN queue_for_ms integer CHECK (queue_for_ms IS NULL OR queue_for_ms > 0);
ALTER TABLE payments DROP CONSTRAINT payments_status_check,
  ADD CONSTRAINT payments_status_check CHECK (status IN ('RECEIVED', 'HELD', 'SUBMITTED', 'QUEUED', 'SETTLED', 'REJECTED', 'CANCELLED', 'RETURNED'));

CREATE OR REPLACE FUNCTION payments_check_transition() RETURNS trigger AS $$
BEGIN
  IF NEW.status = OLD.status THEN
    RETURN NEW;
  END IF;
  IF NOT ((OLD.status = 'RECEIVED' AND NEW.status IN ('HELD', 'SUBMITTED', 'REJECTED', 'CANCELLED'))
       OR (OLD.status = 'HELD' AND NEW.status IN ('SUBMITTED', 'REJECTED', 'CANCELLED'))
       OR (OLD.status = 'SUBMITTED' AND NEW.status IN ('QUEUED', 'SETTLED', 'REJECTED'))
       OR (OLD.status = 'QUEUED' AND NEW.status IN ('SETTLED', 'REJECTED', 'CANCELLED'))
       OR (OLD.status = 'SETTLED' AND NEW.status = 'RETURNED')) THEN
    RAISE EXCEPTION 'illegal payment transition % -> %', OLD.status, NEW.status USING ERRCODE = 'check_violation';
  END IF;
  NEW.updated_at := now();
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

ALTER TABLE payment_events DROP CONSTRAINT payment_events_status,
  ADD CONSTRAINT payment_events_status CHECK (status IN ('RECEIVED', 'HELD', 'SUBMITTED', 'QUEUED', 'SETTLED', 'REJECTED', 'CANCELLED', 'RETURNED'));

-- Overdue payments are looked up on the ledger: SUBMITTED past notAfter, QUEUED past the block time of their deadline
-- (stored in not_after when they are queued).
DROP INDEX payments_not_after;
CREATE INDEX payments_not_after ON payments (not_after) WHERE status IN ('SUBMITTED', 'QUEUED');

ALTER TABLE exception_requests ADD COLUMN awaiting_ledger boolean NOT NULL DEFAULT false;
CREATE INDEX exception_requests_awaiting ON exception_requests (uetr) WHERE awaiting_ledger;

-- Down Migration
DROP INDEX exception_requests_awaiting;
ALTER TABLE exception_requests DROP COLUMN awaiting_ledger;
DROP INDEX payments_not_after;
CREATE INDEX payments_not_after ON payments (not_after) WHERE status = 'SUBMITTED';
ALTER TABLE payment_events DROP CONSTRAINT payment_events_status,
  ADD CONSTRAINT payment_events_status CHECK (status IN ('RECEIVED', 'HELD', 'SUBMITTED', 'SETTLED', 'REJECTED', 'CANCELLED', 'RETURNED'));
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
ALTER TABLE payments DROP CONSTRAINT payments_status_check,
  ADD CONSTRAINT payments_status_check CHECK (status IN ('RECEIVED', 'HELD', 'SUBMITTED', 'SETTLED', 'REJECTED', 'CANCELLED', 'RETURNED'));
ALTER TABLE payments DROP COLUMN queue_for_ms;
