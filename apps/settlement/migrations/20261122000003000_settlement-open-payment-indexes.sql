-- Up Migration
-- The stuck-payment gauge counted open payments through payments_status (status, updated_at), an index that every
-- status change adds an entry to: under load its bitmap scan visited every heap page of recent payments (about
-- 120 ms at 90,000 rows, every sweep). Open payments now have partial indexes only, one per open status, which
-- settled payments leave; nothing else read payments_status.
CREATE INDEX payments_received ON payments (accepted_at) WHERE status = 'RECEIVED';
DROP INDEX payments_status;

-- Down Migration
CREATE INDEX payments_status ON payments (status, updated_at);
DROP INDEX payments_received;
