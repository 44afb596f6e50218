-- Up Migration
-- Customer data at rest (API.md "Operator controls", docs/security.md): a payment's debtor, creditor and remittance
-- information are stored only in `parties`, sealed (AES-256-GCM) by the payment's own data key; the data key is stored
-- beside it wrapped by a key-encryption key (KEK) that the database never sees, whose id is `pii_kek_id`.
-- Crypto-shredding destroys `pii_dek` (and stamps `pii_erased_at`): the sealed parties stay, unreadable for good.
ALTER TABLE payments
  ADD COLUMN parties bytea,
  ADD COLUMN pii_dek bytea,
  ADD COLUMN pii_kek_id text,
  ADD COLUMN pii_erased_at timestamptz;
-- Rows written before this migration keep their clear columns until the gateway seals them (in the background, once
-- it runs with PII_KEK); new rows never fill them.
ALTER TABLE payments ALTER COLUMN debtor DROP NOT NULL, ALTER COLUMN creditor DROP NOT NULL;
ALTER TABLE payments ADD CONSTRAINT payments_parties_once CHECK (parties IS NULL OR (debtor IS NULL AND creditor IS NULL AND remittance_info IS NULL));
ALTER TABLE payments ADD CONSTRAINT payments_parties_key CHECK (
  (parties IS NULL AND pii_kek_id IS NULL AND pii_dek IS NULL) OR
  (parties IS NOT NULL AND pii_kek_id IS NOT NULL AND (pii_dek IS NULL) = (pii_erased_at IS NOT NULL)));
-- Nothing un-erases: a destroyed data key stays destroyed.
CREATE FUNCTION payments_erasure_is_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.pii_erased_at IS NOT NULL AND (NEW.pii_erased_at IS DISTINCT FROM OLD.pii_erased_at OR NEW.pii_dek IS NOT NULL
      OR NEW.parties IS DISTINCT FROM OLD.parties OR NEW.debtor IS NOT NULL OR NEW.creditor IS NOT NULL OR NEW.remittance_info IS NOT NULL) THEN
    RAISE EXCEPTION 'payment %: its customer data was erased at %; it cannot be written again', OLD.uetr, OLD.pii_erased_at;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER payments_erasure_is_final BEFORE UPDATE OF parties, pii_dek, pii_erased_at, debtor, creditor, remittance_info ON payments
  FOR EACH ROW WHEN (OLD.pii_erased_at IS NOT NULL) EXECUTE FUNCTION payments_erasure_is_final();

-- One row per KEK id ever used here: a check value only that key opens. A gateway given a different key under a known
-- id refuses to start instead of wrapping data keys the other replicas cannot open.
CREATE TABLE pii_keks (
  kek_id text PRIMARY KEY CHECK (kek_id ~ '^[A-Za-z0-9._-]{1,64}$'),
  check_value bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- set once a whole pass found no data key wrapped by it (after a rotation): a gateway no longer needs it to start
  retired_at timestamptz
);

-- Down Migration
DROP TABLE pii_keks;
DROP TRIGGER payments_erasure_is_final ON payments;
DROP FUNCTION payments_erasure_is_final();
ALTER TABLE payments DROP CONSTRAINT payments_parties_key, DROP CONSTRAINT payments_parties_once;
ALTER TABLE payments DROP COLUMN pii_erased_at, DROP COLUMN pii_kek_id, DROP COLUMN pii_dek, DROP COLUMN parties;
