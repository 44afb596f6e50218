-- Up Migration
-- One outbox row per enqueue (a transaction's messages together), not one per message: `messages` holds them as a
-- JSON array of [topic, key, headers, value] with each value already serialised, `message_count` how many. Rows of
-- the earlier form (one message in topic, message_key, headers, payload) are still written by the validators' block
-- statement and relayed as before. A payment's three to four messages cost a share of one row instead of a row
-- each (an insertion, an index entry and a deletion in the write-ahead log apiece).
ALTER TABLE outbox
  ADD COLUMN messages text,
  ADD COLUMN message_count integer NOT NULL DEFAULT 1 CHECK (message_count > 0),
  ALTER COLUMN topic DROP NOT NULL,
  ALTER COLUMN payload DROP NOT NULL,
  ADD CONSTRAINT outbox_one_form CHECK ((messages IS NULL) = (topic IS NOT NULL AND payload IS NOT NULL));
-- A transaction's messages are kilobytes to megabytes of JSON, deleted once relayed: lz4 keeps their TOAST chunks
-- (and the write-ahead log) small at little CPU. A Postgres built without lz4 keeps its default compression.
DO $$
BEGIN
  ALTER TABLE outbox ALTER COLUMN messages SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  RAISE NOTICE 'outbox.messages: lz4 not available, default compression kept';
END $$;

-- Down Migration
-- Each message of a multi-message row becomes a row of its own, in order, before the column goes.
INSERT INTO outbox (topic, message_key, headers, payload, created_at)
SELECT m.value ->> 0, m.value ->> 1, m.value -> 2, (m.value ->> 3)::jsonb, o.created_at
  FROM outbox o, jsonb_array_elements(o.messages::jsonb) WITH ORDINALITY AS m(value, n)
 WHERE o.messages IS NOT NULL
 ORDER BY o.id, m.n;
DELETE FROM outbox WHERE messages IS NOT NULL;
ALTER TABLE outbox
  DROP CONSTRAINT outbox_one_form,
  DROP COLUMN message_count,
  DROP COLUMN messages,
  ALTER COLUMN topic SET NOT NULL,
  ALTER COLUMN payload SET NOT NULL;
