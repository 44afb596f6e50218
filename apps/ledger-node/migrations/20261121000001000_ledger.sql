-- Up Migration
CREATE TABLE accounts (
  id text PRIMARY KEY,
  participant text NOT NULL,
  currency char(3) NOT NULL,
  balance numeric(40, 0) NOT NULL DEFAULT 0,
  -- NULL: no limit (EXTERNAL only); otherwise how far below zero the balance may go.
  net_debit_cap numeric(40, 0) CHECK (net_debit_cap IS NULL OR net_debit_cap >= 0),
  CHECK (net_debit_cap IS NULL OR balance >= -net_debit_cap)
);

CREATE TABLE suspended_participants (participant text PRIMARY KEY);

CREATE TABLE blocks (
  height bigint PRIMARY KEY CHECK (height > 0),
  hash char(64) NOT NULL UNIQUE,
  prev_hash char(64) NOT NULL,
  merkle_root char(64) NOT NULL,
  state_digest char(64) NOT NULL,
  tx_count integer NOT NULL CHECK (tx_count > 0),
  block_time bigint NOT NULL,
  -- offset of the stream message that closed the block: the validator resumes after it
  last_offset bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE block_transactions (
  height bigint NOT NULL REFERENCES blocks (height),
  idx integer NOT NULL CHECK (idx >= 0),
  tx_id text NOT NULL UNIQUE,
  uetr uuid,
  kind text NOT NULL CHECK (kind IN ('transfer', 'config')),
  status text NOT NULL CHECK (status IN ('accepted', 'rejected')),
  reason text,
  leaf jsonb NOT NULL,
  PRIMARY KEY (height, idx)
);
CREATE INDEX block_transactions_uetr ON block_transactions (uetr) WHERE uetr IS NOT NULL;

CREATE TABLE postings (
  height bigint NOT NULL REFERENCES blocks (height),
  tx_id text NOT NULL,
  account text NOT NULL REFERENCES accounts (id),
  amount numeric(40, 0) NOT NULL CHECK (amount <> 0)
);
CREATE INDEX postings_account_height ON postings (account, height);

CREATE TABLE block_signatures (
  height bigint NOT NULL,
  validator text NOT NULL,
  hash char(64) NOT NULL,
  signature text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (height, validator)
);

CREATE TABLE finality (
  height bigint PRIMARY KEY REFERENCES blocks (height),
  hash char(64) NOT NULL,
  signatures jsonb NOT NULL,
  finalized_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE finality;
DROP TABLE block_signatures;
DROP TABLE postings;
DROP TABLE block_transactions;
DROP TABLE blocks;
DROP TABLE suspended_participants;
DROP TABLE accounts;
