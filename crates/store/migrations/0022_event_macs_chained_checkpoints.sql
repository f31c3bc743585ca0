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

-- All events form one append-only Merkle tree (RFC 9162) in the order the checkpointer gives
-- them positions; each checkpoint signs the tree's size and root, so any event below it that is
-- changed, removed or inserted changes a signed root, and inclusion and consistency proofs can be
-- given to anyone.
ALTER TABLE case_events ADD COLUMN log_index BIGINT;
-- Partial: an event is appended without a place, and costs no index entry until it has one.
CREATE UNIQUE INDEX case_events_log_index ON case_events(log_index) WHERE log_index IS NOT NULL;
ALTER TABLE audit_checkpoints ADD COLUMN tree_size BIGINT;
ALTER TABLE audit_checkpoints ADD COLUMN tree_root TEXT;
