-- Up Migration
-- Holds, operator decisions, limits, the ledger's final records, and an audit trail the schema itself protects
-- (docs/settlement.md).

-- A held payment keeps its quote until held_until; hold_source says who asked for the hold.
ALTER TABLE payments
  ADD COLUMN held_until timestamptz,
  ADD COLUMN hold_source text CHECK (hold_source IN ('screening', 'threshold')),
  ADD COLUMN hold_reason text,
  -- last time the timeout sweeper re-published the ledger transaction of an overdue payment
  ADD COLUMN resubmitted_at timestamptz;
ALTER TABLE payments ADD CONSTRAINT payments_held_has_deadline
  CHECK (status <> 'HELD' OR (held_until IS NOT NULL AND hold_source IS NOT NULL AND hold_reason IS NOT NULL));
ALTER TABLE payments ADD CONSTRAINT payments_submitted_has_not_after
  CHECK (status NOT IN ('SUBMITTED', 'SETTLED') OR not_after IS NOT NULL);
CREATE INDEX payments_held_until ON payments (held_until) WHERE status = 'HELD';
CREATE INDEX payments_not_after ON payments (not_after) WHERE status = 'SUBMITTED';

-- Every payment starts RECEIVED.
CREATE FUNCTION payments_check_insert() RETURNS trigger AS $$
BEGIN
  IF NEW.status <> 'RECEIVED' THEN
    RAISE EXCEPTION 'a payment starts RECEIVED, not %', NEW.status USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER payments_insert BEFORE INSERT ON payments FOR EACH ROW EXECUTE FUNCTION payments_check_insert();

-- The timeline is the audit trail: one row per status reached, at most one final row, never edited.
ALTER TABLE payment_events ADD CONSTRAINT payment_events_status
  CHECK (status IN ('RECEIVED', 'HELD', 'SUBMITTED', 'SETTLED', 'REJECTED'));
ALTER TABLE payment_events ADD CONSTRAINT payment_events_once UNIQUE (uetr, status);
CREATE UNIQUE INDEX payment_events_one_final ON payment_events (uetr) WHERE status IN ('SETTLED', 'REJECTED');

CREATE FUNCTION payment_events_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'payment_events is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER payment_events_no_change BEFORE UPDATE OR DELETE ON payment_events
  FOR EACH ROW EXECUTE FUNCTION payment_events_append_only();

-- A payment's status is always the last one its timeline records: checked when the transaction commits.
CREATE FUNCTION payments_require_event() RETURNS trigger AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM payment_events e WHERE e.uetr = NEW.uetr AND e.status = NEW.status) THEN
    RAISE EXCEPTION 'payment % is % without a timeline entry', NEW.uetr, NEW.status USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE CONSTRAINT TRIGGER payments_status_recorded AFTER INSERT OR UPDATE OF status ON payments
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION payments_require_event();

-- Operator decisions on held payments, recorded or refused, once per request. One recorded decision per
-- operator and payment: M-of-N approval counts distinct approvers because the schema allows no other.
CREATE TABLE payment_decisions (
  request_id uuid PRIMARY KEY,
  uetr uuid NOT NULL,
  operator_id text NOT NULL,
  operator_name text NOT NULL,
  decision text NOT NULL CHECK (decision IN ('approve', 'reject')),
  comment text,
  outcome text NOT NULL CHECK (outcome IN ('recorded', 'refused')),
  refusal text,
  decided_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((outcome = 'refused') = (refusal IS NOT NULL))
);
CREATE UNIQUE INDEX payment_decisions_one_per_operator ON payment_decisions (uetr, operator_id) WHERE outcome = 'recorded';

-- Limits as last accepted by the ledger. The net debit cap is the ledger's to enforce; the hold threshold is ours.
CREATE TABLE participant_limits (
  participant text NOT NULL,
  currency char(3) NOT NULL,
  net_debit_cap_minor numeric(40, 0) NOT NULL CHECK (net_debit_cap_minor >= 0),
  hold_above_minor numeric(40, 0) CHECK (hold_above_minor >= 0),
  request_id text NOT NULL,
  -- position of the set_limits transaction on the ledger: a later one wins, whatever order we learn them in
  block_height bigint NOT NULL,
  tx_index integer NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (participant, currency)
);

-- The ledger's outcome of every transaction in every final block settlement verified (quorum-signed).
CREATE TABLE ledger_transactions (
  tx_id text PRIMARY KEY,
  height bigint NOT NULL REFERENCES finalized_blocks (height),
  idx integer NOT NULL CHECK (idx >= 0),
  uetr uuid,
  kind text NOT NULL,
  status text NOT NULL CHECK (status IN ('accepted', 'rejected')),
  reason text,
  UNIQUE (height, idx)
);
CREATE INDEX ledger_transactions_uetr ON ledger_transactions (uetr) WHERE uetr IS NOT NULL;

-- Reconciliation runs: what was compared and every difference found.
CREATE TABLE reconciliation_runs (
  id bigserial PRIMARY KEY,
  scope text NOT NULL CHECK (scope IN ('incremental', 'full')),
  started_at timestamptz NOT NULL,
  finished_at timestamptz NOT NULL,
  checked_local integer NOT NULL CHECK (checked_local >= 0),
  checked_remote integer NOT NULL CHECK (checked_remote >= 0),
  differences jsonb NOT NULL
);

-- Where the incremental comparison with the validators' records stopped: the last final timeline entry checked.
CREATE TABLE reconciliation_cursor (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  last_event_id bigint NOT NULL CHECK (last_event_id >= 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE reconciliation_cursor;
DROP TABLE reconciliation_runs;
DROP TABLE ledger_transactions;
DROP TABLE participant_limits;
DROP TABLE payment_decisions;
DROP TRIGGER payments_status_recorded ON payments;
DROP FUNCTION payments_require_event();
DROP TRIGGER payment_events_no_change ON payment_events;
DROP FUNCTION payment_events_append_only();
DROP INDEX payment_events_one_final;
ALTER TABLE payment_events DROP CONSTRAINT payment_events_once;
ALTER TABLE payment_events DROP CONSTRAINT payment_events_status;
DROP TRIGGER payments_insert ON payments;
DROP FUNCTION payments_check_insert();
DROP INDEX payments_not_after;
DROP INDEX payments_held_until;
ALTER TABLE payments DROP CONSTRAINT payments_submitted_has_not_after;
ALTER TABLE payments DROP CONSTRAINT payments_held_has_deadline;
ALTER TABLE payments DROP COLUMN resubmitted_at, DROP COLUMN hold_reason, DROP COLUMN hold_source, DROP COLUMN held_until;
