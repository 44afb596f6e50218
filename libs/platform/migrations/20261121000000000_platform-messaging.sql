-- Up Migration
-- Transactional outbox: rows are written in the same transaction as the state change that causes them,
-- and published to Kafka by the relay (at least once).
CREATE TABLE outbox (
  id bigserial PRIMARY KEY,
  topic text NOT NULL,
  message_key text,
  headers jsonb NOT NULL DEFAULT '{}'::jsonb,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Offsets consumed, committed with the state they produced (authoritative; Kafka's own commit is a hint).
CREATE TABLE consumer_offsets (
  group_id text NOT NULL,
  topic text NOT NULL,
  partition integer NOT NULL CHECK (partition >= 0),
  next_offset bigint NOT NULL CHECK (next_offset >= 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, topic, partition)
);

-- Message ids already processed, so a message the outbox published twice changes nothing twice.
CREATE TABLE inbox (
  group_id text NOT NULL,
  message_id text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, message_id)
);

-- Down Migration
DROP TABLE inbox;
DROP TABLE consumer_offsets;
DROP TABLE outbox;
