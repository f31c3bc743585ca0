-- Each event carries a MAC by the writer's key, which is kept outside the database: whoever can
-- write the database but cannot read that key cannot forge, alter or renumber an event. Events
-- written before the key existed are authenticated once, when the key is first made.
ALTER TABLE case_events ADD COLUMN mac TEXT;

-- Each checkpoint signs the digest of the one before it, so a deleted or replaced checkpoint
-- breaks the chain of signatures.
ALTER TABLE audit_checkpoints ADD COLUMN prev_digest TEXT;
-- One successor per checkpoint: two signers racing (two instances, or the CLI beside the server)
-- cannot both extend the same checkpoint and fork the chain.
CREATE UNIQUE INDEX audit_checkpoints_prev ON audit_checkpoints(prev_digest);
