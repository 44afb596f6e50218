-- Up Migration
-- The inbox forgets message ids after a retention (InboxPruner, INBOX_RETENTION_HOURS). Rows arrive in time order,
-- so a BRIN index finds the old ones without a scan of the whole table, at almost no cost per insert: it is
-- summarised by the pruner (and by vacuum), not by each insert.
CREATE INDEX inbox_received_at ON inbox USING brin (received_at);

-- Down Migration
DROP INDEX inbox_received_at;
