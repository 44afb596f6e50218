-- Up Migration
-- A consumer stores a batch's next offset and learns the one it replaces in a single upsert (KafkaPgTransport):
-- the replaced value is kept here, read from the row the upsert locked.
ALTER TABLE consumer_offsets ADD COLUMN previous_offset bigint CHECK (previous_offset >= 0);

-- Down Migration
ALTER TABLE consumer_offsets DROP COLUMN previous_offset;
