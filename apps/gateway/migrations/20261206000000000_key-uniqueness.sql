-- Up Migration
-- A public key belongs to exactly one participant, revoked keys included: whoever holds its private key could
-- otherwise act as every participant it is registered under. The gateway checks this on every path that adds a
-- key and answers 409 public_key_in_use; this index holds even against a race. (A database that already holds
-- one key under two participants fails here and names the key: revoke and delete the extra row first.)
CREATE UNIQUE INDEX participant_keys_public_key ON participant_keys (public_key);

-- Down Migration
DROP INDEX participant_keys_public_key;
