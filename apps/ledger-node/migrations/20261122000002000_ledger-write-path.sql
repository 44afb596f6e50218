-- Up Migration
-- Cheaper block writes (docs/ledger.md, "Storage"): a transaction row is found by its id (the primary key, which
-- also refuses a second row for an id) or its uetr; heights only ever grow, so a BRIN index serves the range scans
-- of the audit at almost no cost per insert, instead of a second B-tree on (height, idx).
ALTER TABLE block_transactions DROP CONSTRAINT block_transactions_pkey;
ALTER TABLE block_transactions DROP CONSTRAINT block_transactions_tx_id_key;
ALTER TABLE block_transactions ADD CONSTRAINT block_transactions_pkey PRIMARY KEY (tx_id);
CREATE INDEX block_transactions_height ON block_transactions USING brin (height);
-- Settlement records a payment under its uetr (transaction id = uetr), found by the primary key: the uetr index
-- only needs the transactions whose id differs from their uetr, so a payment costs no second random-key B-tree insert.
DROP INDEX block_transactions_uetr;
CREATE INDEX block_transactions_uetr ON block_transactions (uetr) WHERE uetr IS NOT NULL AND uetr::text <> tx_id;
-- Every block rewrites the balances it moved: free space on each page lets Postgres update them in place (HOT),
-- without a new primary-key entry per update.
ALTER TABLE accounts SET (fillfactor = 50);

-- Down Migration
ALTER TABLE accounts RESET (fillfactor);
DROP INDEX block_transactions_uetr;
CREATE INDEX block_transactions_uetr ON block_transactions (uetr) WHERE uetr IS NOT NULL;
DROP INDEX block_transactions_height;
ALTER TABLE block_transactions DROP CONSTRAINT block_transactions_pkey;
ALTER TABLE block_transactions ADD CONSTRAINT block_transactions_tx_id_key UNIQUE (tx_id);
ALTER TABLE block_transactions ADD CONSTRAINT block_transactions_pkey PRIMARY KEY (height, idx);
