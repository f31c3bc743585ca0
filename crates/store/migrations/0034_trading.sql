-- 公共资源交易 (#19): projects and lots, announcements, bidders' registrations and questions,
-- the opening officials' keys and shares, sealed bids, each lot's hash-chained log, the expert
-- pool and draws. Written by store/src/trading only.

CREATE TABLE trading_projects (
    id                 {{id}},
    code               TEXT NOT NULL,
    name               TEXT NOT NULL,
    sector             TEXT NOT NULL,
    method             TEXT NOT NULL,
    owner_name         TEXT NOT NULL,
    owner_credit_code  TEXT NOT NULL,
    agency_name        TEXT,
    agency_credit_code TEXT,
    budget_fen         BIGINT NOT NULL,
    funding_source     TEXT NOT NULL,
    created_by         BIGINT NOT NULL,
    created_at         BIGINT NOT NULL,
    CONSTRAINT trading_projects_code_unique UNIQUE (code)
);

-- A lot (标段/包) with its own timeline. The opening key's public half is kept; its private
-- half exists only as the officials' shares. log_seq/log_head are the lot's log's last entry.
CREATE TABLE trading_lots (
    id             {{id}},
    project_id     BIGINT NOT NULL REFERENCES trading_projects(id),
    seq            BIGINT NOT NULL,
    name           TEXT NOT NULL,
    budget_fen     BIGINT NOT NULL,
    status         TEXT NOT NULL,
    threshold      BIGINT NOT NULL,
    docs_name      TEXT,
    docs_sha256    TEXT,
    docs_issued_on TEXT,
    bid_deadline   BIGINT,
    opening_at     BIGINT,
    public_key     TEXT,
    published_at   BIGINT,
    opened_at      BIGINT,
    log_seq        BIGINT NOT NULL DEFAULT 0,
    log_head       TEXT NOT NULL DEFAULT '',
    last_receipt   TEXT,
    created_at     BIGINT NOT NULL,
    CONSTRAINT trading_lots_seq_unique UNIQUE (project_id, seq)
);

CREATE TABLE trading_announcements (
    id           {{id}},
    project_id   BIGINT NOT NULL REFERENCES trading_projects(id),
    lot_id       BIGINT REFERENCES trading_lots(id),
    kind         TEXT NOT NULL,
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    moved_to     BIGINT,
    published_by BIGINT NOT NULL,
    published_at BIGINT NOT NULL
);
CREATE INDEX trading_announcements_recent ON trading_announcements (published_at);

CREATE TABLE trading_registrations (
    lot_id        BIGINT NOT NULL REFERENCES trading_lots(id),
    account_id    BIGINT NOT NULL,
    credit_code   TEXT NOT NULL,
    company       TEXT NOT NULL,
    registered_at BIGINT NOT NULL,
    downloaded_at BIGINT,
    PRIMARY KEY (lot_id, account_id)
);

-- 答疑: who asked is kept for the record, never published.
CREATE TABLE trading_questions (
    id          {{id}},
    lot_id      BIGINT NOT NULL REFERENCES trading_lots(id),
    account_id  BIGINT NOT NULL,
    question    TEXT NOT NULL,
    answer      TEXT,
    asked_at    BIGINT NOT NULL,
    answered_at BIGINT
);

-- An opening official's key: derived from their passphrase and this salt, never stored.
CREATE TABLE trading_opening_keys (
    staff_id   BIGINT PRIMARY KEY,
    salt       TEXT NOT NULL,
    public_key TEXT NOT NULL,
    set_at     BIGINT NOT NULL
);

-- Each official's share of a lot's opening key, sealed to their key until they take it (then
-- emptied); share_hash checks the share they present at the opening.
CREATE TABLE trading_shares (
    lot_id       BIGINT NOT NULL REFERENCES trading_lots(id),
    staff_id     BIGINT NOT NULL,
    idx          BIGINT NOT NULL,
    sealed       TEXT,
    share_hash   TEXT NOT NULL,
    taken_at     BIGINT,
    presented_at BIGINT,
    PRIMARY KEY (lot_id, staff_id)
);

-- A bid as it arrived: its header (price, files' names and hashes) sealed here, its files
-- sealed as blobs; the price is read only at the opening.
CREATE TABLE trading_bids (
    id           {{id}},
    lot_id       BIGINT NOT NULL REFERENCES trading_lots(id),
    account_id   BIGINT NOT NULL,
    credit_code  TEXT NOT NULL,
    company      TEXT NOT NULL,
    status       TEXT NOT NULL,
    header       TEXT NOT NULL,
    files        TEXT NOT NULL,
    sealed_hash  TEXT NOT NULL,
    log_seq      BIGINT NOT NULL,
    submitted_at BIGINT NOT NULL,
    price_fen    BIGINT,
    opened       TEXT
);
CREATE INDEX trading_bids_lot ON trading_bids (lot_id, account_id, status);

-- Each lot's log: every bid's receipt, withdrawal, share presented, the opening record and the
-- draws, each entry's hash over the previous one's and its body; the opening is signed.
CREATE TABLE trading_log (
    lot_id    BIGINT NOT NULL REFERENCES trading_lots(id),
    seq       BIGINT NOT NULL,
    kind      TEXT NOT NULL,
    body      TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL,
    signature TEXT,
    at        BIGINT NOT NULL,
    PRIMARY KEY (lot_id, seq)
);

CREATE TABLE trading_experts (
    id                   {{id}},
    name                 TEXT NOT NULL,
    specialty            TEXT NOT NULL,
    region               TEXT NOT NULL,
    employer             TEXT NOT NULL,
    employer_credit_code TEXT NOT NULL,
    mobile               TEXT NOT NULL,
    available            BIGINT NOT NULL,
    credit_bad           BIGINT NOT NULL,
    created_at           BIGINT NOT NULL
);
CREATE INDEX trading_experts_specialty ON trading_experts (specialty, available, credit_bad);

-- A draw for a lot: the pool committed first (pool_hash), the seeds after, then the picks.
CREATE TABLE trading_draws (
    id           {{id}},
    lot_id       BIGINT NOT NULL REFERENCES trading_lots(id),
    specialty    TEXT NOT NULL,
    count        BIGINT NOT NULL,
    avoid_days   BIGINT NOT NULL,
    pool         TEXT NOT NULL,
    pool_hash    TEXT NOT NULL,
    committed_at BIGINT NOT NULL,
    seeds        TEXT,
    drawn_at     BIGINT,
    created_by   BIGINT NOT NULL
);

CREATE TABLE trading_draw_seeds (
    draw_id    BIGINT NOT NULL REFERENCES trading_draws(id),
    staff_id   BIGINT NOT NULL,
    value      TEXT NOT NULL,
    entered_at BIGINT NOT NULL,
    PRIMARY KEY (draw_id, staff_id)
);

CREATE TABLE trading_draw_picks (
    draw_id     BIGINT NOT NULL REFERENCES trading_draws(id),
    i           BIGINT NOT NULL,
    expert_id   BIGINT NOT NULL,
    declined    BIGINT NOT NULL DEFAULT 0,
    answer      TEXT,
    answered_at BIGINT,
    PRIMARY KEY (draw_id, i)
);
CREATE INDEX trading_draw_picks_expert ON trading_draw_picks (expert_id);
