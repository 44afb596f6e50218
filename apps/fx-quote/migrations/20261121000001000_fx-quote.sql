-- Up Migration
-- Every quote issued, and the authoritative record of its single use (Redis is only the fast path).
CREATE TABLE quotes (
  id text PRIMARY KEY,
  participant text NOT NULL,
  quote jsonb NOT NULL,
  expires_at timestamptz NOT NULL,
  used_by uuid UNIQUE,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((used_by IS NULL) = (used_at IS NULL))
);
CREATE INDEX quotes_expires_at ON quotes (expires_at);

-- Down Migration
DROP TABLE quotes;
