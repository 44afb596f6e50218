-- Up Migration
-- The way back (docs/exceptions.md): cancel, recall and return, as settlement reports them.

ALTER TABLE payments DROP CONSTRAINT payments_status_check,
  ADD CONSTRAINT payments_status_check CHECK (status IN ('RECEIVED', 'HELD', 'SUBMITTED', 'SETTLED', 'REJECTED', 'CANCELLED', 'RETURNED'));

-- A payment's timeline gains one entry per recall and return step (RECALL_REQUESTED, RETURN_SETTLED, …); `ref` is the
-- recall's or return's id ('' for the payment's own statuses), so two partial returns each have their entries.
ALTER TABLE payment_timeline ADD COLUMN ref text NOT NULL DEFAULT '';
ALTER TABLE payment_timeline DROP CONSTRAINT payment_timeline_pkey, ADD PRIMARY KEY (uetr, status, ref);

CREATE TABLE payment_recalls (
  recall_id uuid PRIMARY KEY,
  uetr uuid NOT NULL REFERENCES payments (uetr),
  status text NOT NULL CHECK (status IN ('PENDING', 'ACCEPTED', 'REJECTED', 'EXPIRED')),
  reason text NOT NULL,
  comment text,
  respond_by timestamptz NOT NULL,
  -- { reason?, returnId?, at } once it is no longer PENDING
  resolution jsonb,
  requested_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((status = 'PENDING') = (resolution IS NULL))
);
CREATE INDEX payment_recalls_uetr ON payment_recalls (uetr, requested_at);
-- What is waiting on whom: the console lists open recalls by their deadline.
CREATE INDEX payment_recalls_open ON payment_recalls (respond_by, recall_id) WHERE status = 'PENDING';

CREATE TABLE payment_returns (
  return_id uuid PRIMARY KEY,
  uetr uuid NOT NULL REFERENCES payments (uetr),
  recall_id uuid,
  status text NOT NULL CHECK (status IN ('RECEIVED', 'SETTLED', 'REJECTED')),
  amount_minor numeric(40, 0) NOT NULL CHECK (amount_minor > 0),
  currency char(3) NOT NULL,
  source_amount_minor numeric(40, 0) NOT NULL CHECK (source_amount_minor >= 0),
  source_currency char(3) NOT NULL,
  reason text NOT NULL,
  reject_reason text,
  block_height bigint,
  block_hash char(64),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((status = 'REJECTED') = (reject_reason IS NOT NULL))
);
CREATE INDEX payment_returns_uetr ON payment_returns (uetr, created_at);

ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_type_check,
  ADD CONSTRAINT webhook_deliveries_type_check CHECK (type IN ('payment.settled', 'payment.rejected', 'payment.held', 'payment.received',
    'payment.cancelled', 'payment.recall_requested', 'payment.recall_resolved', 'payment.returned', 'return.settled', 'return.rejected'));

-- Down Migration
DELETE FROM webhook_deliveries WHERE type NOT IN ('payment.settled', 'payment.rejected', 'payment.held', 'payment.received');
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_type_check,
  ADD CONSTRAINT webhook_deliveries_type_check CHECK (type IN ('payment.settled', 'payment.rejected', 'payment.held', 'payment.received'));
DROP TABLE payment_returns;
DROP TABLE payment_recalls;
DELETE FROM payment_timeline WHERE ref <> '';
ALTER TABLE payment_timeline DROP CONSTRAINT payment_timeline_pkey, ADD PRIMARY KEY (uetr, status);
ALTER TABLE payment_timeline DROP COLUMN ref;
ALTER TABLE payments DROP CONSTRAINT payments_status_check,
  ADD CONSTRAINT payments_status_check CHECK (status IN ('RECEIVED', 'HELD', 'SUBMITTED', 'SETTLED', 'REJECTED'));
