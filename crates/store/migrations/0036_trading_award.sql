-- 公共资源交易 (#19): the candidates' publicity (中标候选人公示) with its objections (质疑), the
-- award (中标) and the contract. Written by store/src/trading only.

CREATE TABLE trading_publicity (
    lot_id     BIGINT PRIMARY KEY REFERENCES trading_lots(id),
    candidates TEXT NOT NULL,
    starts_at  BIGINT NOT NULL,
    ends_at    BIGINT NOT NULL
);

CREATE TABLE trading_objections (
    id          {{id}},
    lot_id      BIGINT NOT NULL REFERENCES trading_lots(id),
    account_id  BIGINT NOT NULL,
    objection   TEXT NOT NULL,
    answer      TEXT,
    filed_at    BIGINT NOT NULL,
    answered_at BIGINT
);
CREATE INDEX trading_objections_lot ON trading_objections (lot_id);

CREATE TABLE trading_awards (
    lot_id      BIGINT PRIMARY KEY REFERENCES trading_lots(id),
    bid_id      BIGINT NOT NULL REFERENCES trading_bids(id),
    account_id  BIGINT NOT NULL,
    company     TEXT NOT NULL,
    credit_code TEXT NOT NULL,
    amount_fen  BIGINT NOT NULL,
    awarded_at  BIGINT NOT NULL
);

CREATE TABLE trading_contracts (
    lot_id      BIGINT PRIMARY KEY REFERENCES trading_lots(id),
    amount_fen  BIGINT NOT NULL,
    signed_on   TEXT NOT NULL,
    starts_on   TEXT NOT NULL,
    ends_on     TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
