-- Up Migration
-- A payment cancelled before it reached the ledger releases its quote's reservation as 'cancelled' (the quote stays used).
ALTER TABLE quotes DROP CONSTRAINT quotes_release_reason,
  ADD CONSTRAINT quotes_release_reason CHECK (release_reason IN ('expired', 'rejected', 'cancelled', 'settled', 'abandoned'));

-- Down Migration
UPDATE quotes SET release_reason = 'rejected' WHERE release_reason = 'cancelled';
ALTER TABLE quotes DROP CONSTRAINT quotes_release_reason,
  ADD CONSTRAINT quotes_release_reason CHECK (release_reason IN ('expired', 'rejected', 'settled', 'abandoned'));
