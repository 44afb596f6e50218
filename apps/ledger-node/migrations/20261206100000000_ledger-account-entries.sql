-- Up Migration
-- Account entries (API.md "Account entries and statements"): every posting of an accepted transfer to a
-- participant's account in a final block, with its running balance, written by the entry indexer after finality
-- (off the block write path). The primary key serves a bank's entries in block order, by height range and page.
CREATE TABLE account_entries (
  account text NOT NULL,
  height bigint NOT NULL,
  idx integer NOT NULL CHECK (idx >= 0),
  leg smallint NOT NULL CHECK (leg >= 0),
  tx_id text NOT NULL,
  uetr uuid,
  return_id uuid,
  kind text NOT NULL CHECK (kind IN ('payment', 'return', 'deposit', 'withdrawal', 'fee')),
  amount numeric(40, 0) NOT NULL CHECK (amount <> 0),
  balance_after numeric(40, 0) NOT NULL,
  counterparty text,
  block_time bigint NOT NULL,
  PRIMARY KEY (account, height, idx, leg)
);

-- Each indexed account's balance after the last indexed block, and how far the indexer got.
CREATE TABLE entry_balances (
  account text PRIMARY KEY,
  balance numeric(40, 0) NOT NULL
);
CREATE TABLE entry_index (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  height bigint NOT NULL CHECK (height >= 0)
);
INSERT INTO entry_index (singleton, height) VALUES (true, 0);

-- A statement by UTC day finds its heights by block time.
CREATE INDEX blocks_block_time ON blocks (block_time);

-- Down Migration
DROP INDEX blocks_block_time;
DROP TABLE entry_index;
DROP TABLE entry_balances;
DROP TABLE account_entries;
