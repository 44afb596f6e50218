-- Up Migration
-- The liquidity queue (docs/ledger.md, "Liquidity queue"): transfers waiting in their debtor account's queue as of
-- the last applied block, written in the same statement as the block that changed it, so a restarted validator
-- rebuilds exactly the queue its last block's state digest covers.
CREATE TABLE liquidity_queue (
  seq bigint PRIMARY KEY CHECK (seq > 0),
  account text NOT NULL,
  tx_id text NOT NULL UNIQUE,
  tx jsonb NOT NULL,
  arrived_at bigint NOT NULL,
  queue_for_ms integer NOT NULL CHECK (queue_for_ms > 0),
  expires_at bigint NOT NULL,
  queued_height bigint NOT NULL
);

-- The queue's next sequence number (it never goes back, even when the queue is empty: it is in the state digest).
CREATE TABLE liquidity_queue_seq (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  next_seq bigint NOT NULL CHECK (next_seq > 0)
);

-- What each block did with the queue beyond its leaves (BlockQueueRecord), for finality records and the chain audit.
-- A block may now hold no leaf: one that only queued transfers (its queue record and state digest say so).
ALTER TABLE blocks ADD COLUMN queue jsonb;
ALTER TABLE blocks DROP CONSTRAINT blocks_tx_count_check, ADD CONSTRAINT blocks_tx_count_check CHECK (tx_count >= 0);
ALTER TABLE blocks ADD CONSTRAINT blocks_not_empty CHECK (tx_count > 0 OR queue IS NOT NULL);

-- Down Migration
ALTER TABLE blocks DROP CONSTRAINT blocks_not_empty;
ALTER TABLE blocks DROP CONSTRAINT blocks_tx_count_check, ADD CONSTRAINT blocks_tx_count_check CHECK (tx_count > 0);
ALTER TABLE blocks DROP COLUMN queue;
DROP TABLE liquidity_queue_seq;
DROP TABLE liquidity_queue;
