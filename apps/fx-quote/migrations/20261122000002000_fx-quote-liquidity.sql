-- Up Migration
-- FX liquidity: each quote reserves its receive amount against FXDESK's target-currency account
-- (libs/shared/src/fx/reservation.ts): held → used → settled → released, or held/used → released.
ALTER TABLE quotes
  ADD COLUMN target_currency text,
  ADD COLUMN reserved_minor numeric(38, 0),
  ADD COLUMN reservation text,
  ADD COLUMN release_reason text,
  ADD COLUMN settled_height bigint,
  ADD COLUMN released_at timestamptz;

-- Quotes issued before this migration hold nothing.
UPDATE quotes SET target_currency = quote->>'targetCurrency', reserved_minor = 0, reservation = 'released', release_reason = 'expired', released_at = now();

ALTER TABLE quotes
  ALTER COLUMN target_currency SET NOT NULL,
  ALTER COLUMN reserved_minor SET NOT NULL,
  ALTER COLUMN reservation SET NOT NULL,
  ADD CONSTRAINT quotes_reserved_nonnegative CHECK (reserved_minor >= 0),
  ADD CONSTRAINT quotes_reservation_state CHECK (reservation IN ('held', 'used', 'settled', 'released')),
  ADD CONSTRAINT quotes_reservation_use CHECK (reservation NOT IN ('used', 'settled') OR used_by IS NOT NULL),
  ADD CONSTRAINT quotes_reservation_settled CHECK (reservation <> 'settled' OR settled_height IS NOT NULL),
  ADD CONSTRAINT quotes_reservation_release CHECK ((reservation = 'released') = (release_reason IS NOT NULL AND released_at IS NOT NULL)),
  ADD CONSTRAINT quotes_release_reason CHECK (release_reason IN ('expired', 'rejected', 'settled', 'abandoned'));

-- The sweeper's and the settlement consumer's work lists stay small: only rows still holding liquidity.
CREATE INDEX quotes_held_expiry ON quotes (expires_at) WHERE reservation = 'held';
CREATE INDEX quotes_used_at ON quotes (used_at) WHERE reservation = 'used';
CREATE INDEX quotes_settled_height ON quotes (settled_height) WHERE reservation = 'settled';

-- The same moves as transitionReservation(): anything else is refused by the database too.
CREATE FUNCTION quotes_reservation_transition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.reservation = OLD.reservation THEN
    IF NEW.reserved_minor <> OLD.reserved_minor OR NEW.target_currency <> OLD.target_currency THEN
      RAISE EXCEPTION 'quote %: a reservation amount never changes', OLD.id;
    END IF;
    RETURN NEW;
  END IF;
  IF (OLD.reservation, NEW.reservation) IN (('held', 'used'), ('held', 'released'), ('used', 'settled'), ('used', 'released'), ('settled', 'released')) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'quote %: illegal reservation transition % -> %', OLD.id, OLD.reservation, NEW.reservation;
END;
$$;
CREATE TRIGGER quotes_reservation_transition BEFORE UPDATE ON quotes FOR EACH ROW EXECUTE FUNCTION quotes_reservation_transition();

-- Per target currency: the sum of reserved_minor over quotes still holding (held, used, settled), kept in step in
-- the same transactions, and the ledger height through which settled reservations were released.
CREATE TABLE fx_liquidity (
  currency text PRIMARY KEY,
  reserved_minor numeric(38, 0) NOT NULL DEFAULT 0 CHECK (reserved_minor >= 0),
  released_height bigint NOT NULL DEFAULT 0 CHECK (released_height >= 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE fx_liquidity;
DROP TRIGGER quotes_reservation_transition ON quotes;
DROP FUNCTION quotes_reservation_transition();
DROP INDEX quotes_settled_height;
DROP INDEX quotes_used_at;
DROP INDEX quotes_held_expiry;
ALTER TABLE quotes
  DROP CONSTRAINT quotes_release_reason,
  DROP CONSTRAINT quotes_reservation_release,
  DROP CONSTRAINT quotes_reservation_settled,
  DROP CONSTRAINT quotes_reservation_use,
  DROP CONSTRAINT quotes_reservation_state,
  DROP CONSTRAINT quotes_reserved_nonnegative,
  DROP COLUMN released_at,
  DROP COLUMN settled_height,
  DROP COLUMN release_reason,
  DROP COLUMN reservation,
  DROP COLUMN reserved_minor,
  DROP COLUMN target_currency;
