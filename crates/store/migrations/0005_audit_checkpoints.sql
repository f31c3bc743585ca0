-- Signed checkpoints of the case event log: every case's head at a moment, their Merkle root,
-- and an Ed25519 signature by the key kept in the data folder.
CREATE TABLE audit_checkpoints (
    id          {{id}},
    at          BIGINT NOT NULL,
    case_count  BIGINT NOT NULL,
    merkle_root TEXT NOT NULL,
    heads       TEXT NOT NULL,
    public_key  TEXT NOT NULL,
    signature   TEXT NOT NULL
);
