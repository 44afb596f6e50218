-- Up Migration
-- Throughput (docs/ledger.md): a block's leaves are stored once, as the JSON array of their canonical texts, in the
-- block row; block_transactions keeps one slim row per transaction for duplicate checks and proof lookups. The
-- per-posting table is gone: postings live in the leaves (hashed into the Merkle root), balances in accounts.
-- Rows are only ever written by the validator in block order, so the foreign keys that checked every row cost more
-- than they protect; `nostro-ledger verify` checks the same relations offline.
ALTER TABLE blocks ADD COLUMN leaves text;
UPDATE blocks b SET leaves = t.leaves
  FROM (SELECT height, '[' || string_agg(leaf::text, ',' ORDER BY idx) || ']' AS leaves FROM block_transactions GROUP BY height) t
 WHERE t.height = b.height;
ALTER TABLE blocks ALTER COLUMN leaves SET NOT NULL;
-- Compressing ~250 kB per block costs more CPU than the disk it saves.
ALTER TABLE blocks ALTER COLUMN leaves SET STORAGE EXTERNAL;
ALTER TABLE blocks ALTER COLUMN created_at SET DEFAULT clock_timestamp();

ALTER TABLE block_transactions DROP CONSTRAINT block_transactions_height_fkey;
ALTER TABLE block_transactions DROP COLUMN leaf;
DROP TABLE postings;

ALTER TABLE finality ALTER COLUMN finalized_at SET DEFAULT clock_timestamp();

-- A validator that finds a quorum signing another header than its own stops for good (until an operator clears
-- the row), so a restart cannot let it continue on a fork.
CREATE TABLE halts (
  id bigserial PRIMARY KEY,
  height bigint NOT NULL,
  own_hash char(64),
  quorum_hash char(64) NOT NULL,
  reason text NOT NULL,
  detected_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  cleared_at timestamptz
);

-- Down Migration
DROP TABLE halts;
CREATE TABLE postings (
  height bigint NOT NULL REFERENCES blocks (height),
  tx_id text NOT NULL,
  account text NOT NULL REFERENCES accounts (id),
  amount numeric(40, 0) NOT NULL CHECK (amount <> 0)
);
CREATE INDEX postings_account_height ON postings (account, height);
ALTER TABLE block_transactions ADD COLUMN leaf jsonb;
UPDATE block_transactions t SET leaf = (b.leaves::jsonb) -> t.idx FROM blocks b WHERE b.height = t.height;
ALTER TABLE block_transactions ALTER COLUMN leaf SET NOT NULL;
INSERT INTO postings (height, tx_id, account, amount)
SELECT t.height, t.tx_id, p ->> 'account', (p ->> 'amount')::numeric
  FROM block_transactions t, jsonb_array_elements(t.leaf -> 'postings') p
 WHERE t.kind = 'transfer' AND t.status = 'accepted';
ALTER TABLE block_transactions ADD CONSTRAINT block_transactions_height_fkey FOREIGN KEY (height) REFERENCES blocks (height);
ALTER TABLE blocks DROP COLUMN leaves;
