-- Up Migration
-- A payment waiting in the ledger's liquidity queue keeps its quote's FX reservation until it is final: the
-- abandoned-reservation sweep leaves a used quote alone until its payment's queue deadline (block time) has passed.
ALTER TABLE quotes ADD COLUMN queued_until timestamptz;

-- Down Migration
ALTER TABLE quotes DROP COLUMN queued_until;
