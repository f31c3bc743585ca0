-- 公共资源交易 (#19): a lot's criteria, the drawn experts' scores of each opened bid, and the
-- evaluation report (the ranking). Written by store/src/trading only.

CREATE TABLE trading_criteria (
    lot_id   BIGINT PRIMARY KEY REFERENCES trading_lots(id),
    criteria TEXT NOT NULL,
    set_at   BIGINT NOT NULL
);

-- One expert's scores of one bid, item by item (a JSON array in the criteria's order).
CREATE TABLE trading_scores (
    lot_id    BIGINT NOT NULL REFERENCES trading_lots(id),
    expert_id BIGINT NOT NULL,
    bid_id    BIGINT NOT NULL REFERENCES trading_bids(id),
    scores    TEXT NOT NULL,
    scored_at BIGINT NOT NULL,
    PRIMARY KEY (lot_id, expert_id, bid_id)
);

CREATE TABLE trading_evaluations (
    lot_id       BIGINT PRIMARY KEY REFERENCES trading_lots(id),
    report       TEXT NOT NULL,
    evaluated_by BIGINT NOT NULL,
    evaluated_at BIGINT NOT NULL
);
