-- Up Migration
-- Dual control (API.md "Operator controls"): with DUAL_CONTROL=on, money-moving and access-granting operator calls
-- wait here until a different admin approves them; the approval then runs the call as its requester asked it.
CREATE TABLE admin_approvals (
  id uuid PRIMARY KEY,
  action text NOT NULL,
  method text NOT NULL CHECK (method IN ('POST', 'PUT', 'DELETE')),
  path text NOT NULL CHECK (path LIKE '/v1/admin/%'),
  body jsonb,
  idempotency_key text,
  requested_by uuid NOT NULL,
  requested_by_name text NOT NULL,
  status text NOT NULL CHECK (status IN ('PENDING_APPROVAL', 'APPROVED', 'REJECTED', 'EXPIRED')),
  decided_by uuid,
  decided_by_name text,
  decided_at timestamptz,
  comment text,
  result_status integer,
  result_body jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  -- Four eyes, in the schema too: whoever decides is not who asked.
  CHECK (decided_by IS NULL OR decided_by <> requested_by),
  CHECK ((status = 'PENDING_APPROVAL') = (decided_at IS NULL) OR status = 'EXPIRED')
);
-- The same operator repeating a call with the same Idempotency-Key finds its pending request.
CREATE UNIQUE INDEX admin_approvals_idempotent ON admin_approvals (requested_by, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX admin_approvals_pending ON admin_approvals (created_at, id) WHERE status = 'PENDING_APPROVAL';

-- Down Migration
DROP TABLE admin_approvals;
