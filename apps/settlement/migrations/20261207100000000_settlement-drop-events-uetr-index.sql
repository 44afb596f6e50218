-- Up Migration
-- Every lookup of a payment's timeline goes through payment_events_once (uetr, status), unique, whose leading column is
-- the payment; its few entries sort by id in memory. The (uetr, id) index served no query of the service and cost
-- three index insertions per payment (README "Performance").
DROP INDEX payment_events_uetr;

-- Down Migration
CREATE INDEX payment_events_uetr ON payment_events (uetr, id);
