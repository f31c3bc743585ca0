-- The case event log (the source of truth) and the cases read model, written in one
-- transaction. Each case's events form a SHA-256 hash chain.

CREATE TABLE case_events (
    id         {{id}},
    case_id    BIGINT NOT NULL,
    seq        BIGINT NOT NULL,
    kind       TEXT NOT NULL,
    payload    TEXT NOT NULL,
    actor_id   BIGINT NOT NULL,
    command_id TEXT NOT NULL,
    at         BIGINT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL,
    CONSTRAINT case_events_seq_unique UNIQUE (case_id, seq)
);

CREATE TABLE cases (
    id            {{id}},
    stage         TEXT NOT NULL,
    item_id       BIGINT NOT NULL,
    item_version  BIGINT NOT NULL,
    department_id BIGINT NOT NULL,
    case_no       TEXT,
    query_code    TEXT,
    applicant     TEXT NOT NULL,
    accepted_on   TEXT,
    due           TEXT,
    version       BIGINT NOT NULL,
    head_hash     TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    CONSTRAINT cases_case_no_unique UNIQUE (case_no)
);
CREATE INDEX cases_department_stage ON cases(department_id, stage);
