-- Up Migration
-- Final heights whose per-participant finality notices are still to be published (docs/ledger.md, "Finality
-- notices"). A row is written in the transaction that stores the block's finality record and deleted once Kafka
-- acknowledged every notice of the block; the notices themselves are rebuilt from the block, so the queue stays small.
CREATE TABLE notice_queue (
  height bigint PRIMARY KEY CHECK (height > 0),
  queued_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE notice_queue;
