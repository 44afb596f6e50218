-- Up Migration
-- The liquidity queue (API.md "Liquidity queue"): a payment short of funds may wait in its debtor account's queue on
-- the ledger (QUEUED) until the block time `queued_until`, when the ledger rejects it with queue_timeout. The debtor
-- hears of it by webhook payment.queued.
ALTER TABLE payments DROP CONSTRAINT payments_status_check,
  ADD CONSTRAINT payments_status_check CHECK (status IN ('RECEIVED', 'HELD', 'SUBMITTED', 'QUEUED', 'SETTLED', 'REJECTED', 'CANCELLED', 'RETURNED'));
ALTER TABLE payments ADD COLUMN queued_until timestamptz;
ALTER TABLE payments ADD CONSTRAINT payments_queued_until CHECK (status <> 'QUEUED' OR queued_until IS NOT NULL);

ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_type_check,
  ADD CONSTRAINT webhook_deliveries_type_check CHECK (type IN ('payment.settled', 'payment.rejected', 'payment.held', 'payment.received',
    'payment.cancelled', 'payment.recall_requested', 'payment.recall_resolved', 'payment.returned', 'return.settled', 'return.rejected',
    'payment.queued'));

-- Down Migration
DELETE FROM webhook_deliveries WHERE type = 'payment.queued';
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_type_check,
  ADD CONSTRAINT webhook_deliveries_type_check CHECK (type IN ('payment.settled', 'payment.rejected', 'payment.held', 'payment.received',
    'payment.cancelled', 'payment.recall_requested', 'payment.recall_resolved', 'payment.returned', 'return.settled', 'return.rejected'));
ALTER TABLE payments DROP CONSTRAINT payments_queued_until;
ALTER TABLE payments DROP COLUMN queued_until;
UPDATE payments SET status = 'SUBMITTED' WHERE status = 'QUEUED';
ALTER TABLE payments DROP CONSTRAINT payments_status_check,
  ADD CONSTRAINT payments_status_check CHECK (status IN ('RECEIVED', 'HELD', 'SUBMITTED', 'SETTLED', 'REJECTED', 'CANCELLED', 'RETURNED'));
