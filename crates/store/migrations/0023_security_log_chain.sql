-- The security log (logins, lockouts, denials, token and password changes) joins the case log's
-- protection: each entry is chained to the one before (`seq`, `prev_hash`, `hash`), carries the
-- writer's MAC, and gets a place in the one log tree when the next checkpoint is signed, so an
-- insider cannot quietly remove a failed login or a denial. Entries written before this are
-- chained once, in the order they were written, when the server next starts with its key.
ALTER TABLE security_events ADD COLUMN seq BIGINT;
ALTER TABLE security_events ADD COLUMN prev_hash TEXT;
ALTER TABLE security_events ADD COLUMN hash TEXT;
ALTER TABLE security_events ADD COLUMN mac TEXT;
ALTER TABLE security_events ADD COLUMN log_index BIGINT;
-- One entry per place in the chain: two writers racing cannot both extend the same head.
CREATE UNIQUE INDEX security_events_seq ON security_events(seq);
CREATE UNIQUE INDEX security_events_log_index ON security_events(log_index)
    WHERE log_index IS NOT NULL;
