-- Up Migration
-- quotes_expires_at served the first expiry sweep; the sweep now reads quotes_held_expiry (held quotes only), and
-- nothing else orders or filters quotes by expiry alone. The full index only cost an entry per insert and per
-- reservation change (each of a quote's three updates moves it between partial indexes, so none is HOT).
DROP INDEX quotes_expires_at;

-- Down Migration
CREATE INDEX quotes_expires_at ON quotes (expires_at);
