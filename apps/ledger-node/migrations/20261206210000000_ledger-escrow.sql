-- Up Migration
-- Hash-locked escrow (docs/ledger.md, "Escrow"): the conditional transfers reserved and not yet fulfilled or expired,
-- as of the last applied block, written in the same statement as the block that changed them.
CREATE TABLE escrows (
  tx_id text PRIMARY KEY,
  tx jsonb NOT NULL,
  expires_at bigint NOT NULL,
  reserved_height bigint NOT NULL
);

-- Down Migration
DROP TABLE escrows;
