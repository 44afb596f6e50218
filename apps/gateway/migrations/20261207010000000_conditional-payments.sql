-- Up Migration
-- Conditional payments (API.md "Conditional payments"): a payment may carry a SHA-256 hash-lock and a deadline. The
-- gateway keeps both to check a fulfilment at once (docs/gateway.md). Once the ledger holds its funds in escrow the
-- payment is RESERVED until `reserved_until` (block time); the ledger transaction that decided its last status (a
-- fulfilment's or an expiry's id) is `ledger_tx_id`, whose finality proof is the status's proof. Both banks hear of
-- the reservation by webhook payment.reserved; a delivery may name the ledger transaction whose proof it carries.
ALTER TABLE payments DROP CONSTRAINT payments_status_check,
  ADD CONSTRAINT payments_status_check
    CHECK (status IN ('RECEIVED', 'HELD', 'SUBMITTED', 'QUEUED', 'RESERVED', 'SETTLED', 'REJECTED', 'CANCELLED', 'RETURNED'));
ALTER TABLE payments ADD COLUMN condition_hash char(64), ADD COLUMN condition_expires_at timestamptz, ADD COLUMN reserved_until timestamptz,
  ADD COLUMN ledger_tx_id text;
ALTER TABLE payments ADD CONSTRAINT payments_condition CHECK ((condition_hash IS NULL) = (condition_expires_at IS NULL)),
  ADD CONSTRAINT payments_condition_hash CHECK (condition_hash ~ '^[0-9a-f]{64}$'),
  ADD CONSTRAINT payments_reserved_conditional CHECK (status <> 'RESERVED' OR condition_hash IS NOT NULL),
  ADD CONSTRAINT payments_ledger_tx_id CHECK (length(ledger_tx_id) <= 100);

ALTER TABLE webhook_deliveries ADD COLUMN proof_tx_id text CHECK (length(proof_tx_id) <= 100);
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_type_check,
  ADD CONSTRAINT webhook_deliveries_type_check CHECK (type IN ('payment.settled', 'payment.rejected', 'payment.held', 'payment.received',
    'payment.cancelled', 'payment.recall_requested', 'payment.recall_resolved', 'payment.returned', 'return.settled', 'return.rejected',
    'payment.queued', 'payment.reserved'));

-- Down Migration
DELETE FROM webhook_deliveries WHERE type = 'payment.reserved';
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_type_check,
  ADD CONSTRAINT webhook_deliveries_type_check CHECK (type IN ('payment.settled', 'payment.rejected', 'payment.held', 'payment.received',
    'payment.cancelled', 'payment.recall_requested', 'payment.recall_resolved', 'payment.returned', 'return.settled', 'return.rejected',
    'payment.queued'));
ALTER TABLE webhook_deliveries DROP COLUMN proof_tx_id;
ALTER TABLE payments DROP CONSTRAINT payments_ledger_tx_id, DROP CONSTRAINT payments_reserved_conditional, DROP CONSTRAINT payments_condition_hash,
  DROP CONSTRAINT payments_condition;
UPDATE payments SET status = 'SUBMITTED' WHERE status = 'RESERVED';
ALTER TABLE payments DROP COLUMN ledger_tx_id, DROP COLUMN reserved_until, DROP COLUMN condition_expires_at, DROP COLUMN condition_hash;
ALTER TABLE payments DROP CONSTRAINT payments_status_check,
  ADD CONSTRAINT payments_status_check CHECK (status IN ('RECEIVED', 'HELD', 'SUBMITTED', 'QUEUED', 'SETTLED', 'REJECTED', 'CANCELLED', 'RETURNED'));
