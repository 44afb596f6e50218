-- Up Migration
-- Each bank's due webhooks in the order they are due, so the dispatcher can take a few of each bank's at a time
-- (WEBHOOK_ENDPOINT_CONCURRENCY) instead of the oldest overall: one bank's slow endpoint and backlog cannot take
-- every delivery slot from the others.
CREATE INDEX webhook_deliveries_participant_due ON webhook_deliveries (participant, next_attempt_at) WHERE status = 'pending';
