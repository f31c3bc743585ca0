-- 好差评 (#18). Reviews per case (一事一评, written from the case's Reviewed events) and per
-- visit (一次一评, from a window's rating tablet): never changed, except that an upheld appeal
-- marks one excluded from the figures. Each review has one `source` ('case:<id>:<seq>' or
-- 'visit:<id>') that every statement about it selects by.
CREATE TABLE reviews (
    id                 {{id}},
    source             TEXT NOT NULL UNIQUE,
    case_id            BIGINT REFERENCES cases(id),
    department_id      BIGINT NOT NULL,
    window_id          BIGINT,
    staff_id           BIGINT,
    item_id            BIGINT,
    channel            TEXT NOT NULL,
    level              BIGINT NOT NULL,
    grade              TEXT NOT NULL,
    -- JSON list of the bad review's reasons.
    reasons            TEXT NOT NULL,
    comment            TEXT NOT NULL,
    follow_up          BIGINT NOT NULL,
    -- The reviewer: the case's applicant; empty for an anonymous visit review.
    reviewer_name      TEXT NOT NULL,
    reviewer_id_number TEXT NOT NULL,
    reviewer_mobile    TEXT NOT NULL,
    real_name          BIGINT NOT NULL,
    -- Who entered it: the applicant's account, staff for a phone review, 0 for a query code.
    entered_by         BIGINT NOT NULL,
    day                TEXT NOT NULL,
    at                 BIGINT NOT NULL,
    appeal_by          TEXT NOT NULL,
    excluded           BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX reviews_department ON reviews(department_id, id);
CREATE INDEX reviews_case ON reviews(case_id);
CREATE INDEX reviews_day ON reviews(day);

-- A real-name bad review's answer: its state and deadlines; what each step said is in the log.
CREATE TABLE review_handling (
    review_id     BIGINT PRIMARY KEY REFERENCES reviews(id),
    department_id BIGINT NOT NULL,
    state         TEXT NOT NULL,
    callback_by   TEXT NOT NULL,
    rectify_by    TEXT NOT NULL,
    rounds        BIGINT NOT NULL DEFAULT 0,
    -- Set by the first rectification (counted in 差评整改率 once).
    rectified_at  BIGINT,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX review_handling_department ON review_handling(department_id, state);
CREATE INDEX review_handling_due ON review_handling(state, callback_by, rectify_by);

CREATE TABLE review_handling_log (
    id         {{id}},
    review_id  BIGINT NOT NULL REFERENCES reviews(id),
    -- callback, rectify, confirm, dissatisfied
    step       TEXT NOT NULL,
    body       TEXT NOT NULL,
    by_account BIGINT NOT NULL,
    by_name    TEXT NOT NULL,
    at         BIGINT NOT NULL
);
CREATE INDEX review_handling_log_review ON review_handling_log(review_id, id);

-- A department's appeal (申诉) against a review, one per review, and the centre's decision.
CREATE TABLE review_appeals (
    review_id     BIGINT PRIMARY KEY REFERENCES reviews(id),
    department_id BIGINT NOT NULL,
    kind          TEXT NOT NULL,
    grounds       TEXT NOT NULL,
    filed_by      BIGINT NOT NULL,
    filed_name    TEXT NOT NULL,
    filed_at      BIGINT NOT NULL,
    decision      TEXT,
    note          TEXT,
    decided_by    BIGINT,
    decided_name  TEXT,
    decided_at    BIGINT
);
CREATE INDEX review_appeals_open ON review_appeals(decided_at, filed_at);

CREATE TABLE review_settings (
    key   TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
CREATE TABLE review_reasons (
    id       {{id}},
    text     TEXT NOT NULL UNIQUE,
    active   BIGINT NOT NULL DEFAULT 1,
    position BIGINT NOT NULL
);
INSERT INTO review_reasons (text, position) VALUES
    ('办事指南不清楚', 1), ('材料要求反复', 2), ('等候时间长', 3), ('服务态度差', 4),
    ('办理时间长', 5), ('多次跑动', 6), ('网上办理不便', 7), ('收费不合理', 8);

-- A window's rating tablet (评价器): the SHA-256 of the key its page is opened with.
CREATE TABLE review_tablets (
    window_id  BIGINT PRIMARY KEY REFERENCES windows(id),
    key_hash   TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
-- A service its clerk lit the window's tablet for (一次一评): rated once, or expired.
CREATE TABLE review_visits (
    id            {{id}},
    window_id     BIGINT NOT NULL REFERENCES windows(id),
    department_id BIGINT NOT NULL,
    staff_id      BIGINT,
    case_id       BIGINT,
    lit_by        BIGINT NOT NULL,
    lit_at        BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    rated_at      BIGINT
);
CREATE INDEX review_visits_window ON review_visits(window_id, id);

-- Late answers to bad reviews are findings, once per review and rule; bad reviews count in the
-- 100-point scheme.
ALTER TABLE findings ADD COLUMN review_id BIGINT;
CREATE UNIQUE INDEX findings_review_once ON findings(rule_code, review_id);
INSERT INTO finding_rules (code, name, severity) VALUES
    ('review_callback_late', '差评逾期未回访', 'minor'),
    ('review_rectify_late', '差评逾期未整改', 'major');
INSERT INTO assessment_deductions (code, name, points) VALUES
    ('bad_reviews', '差评（每条，申诉成立的除外）', 1);

-- The day's figures by one dimension (department, window, staff, item, channel): unit is the
-- id, or the channel's key. Reviews excluded by an upheld appeal are taken out again.
-- SQLite keeps the rows in key order (WITHOUT ROWID), so a period's rows of one dimension are
-- read together, without a lookup per row.
-- [sqlite]
CREATE TABLE review_rollups (
    dimension     TEXT NOT NULL,
    day           TEXT NOT NULL,
    unit          TEXT NOT NULL,
    department_id BIGINT NOT NULL,
    reviews       BIGINT NOT NULL,
    good          BIGINT NOT NULL,
    medium        BIGINT NOT NULL,
    bad           BIGINT NOT NULL,
    -- Real-name bad reviews (called back and rectified) and those rectified.
    answerable    BIGINT NOT NULL,
    rectified     BIGINT NOT NULL,
    PRIMARY KEY (dimension, day, unit, department_id)
) WITHOUT ROWID;
-- [postgres]
CREATE TABLE review_rollups (
    dimension     TEXT NOT NULL,
    day           TEXT NOT NULL,
    unit          TEXT NOT NULL,
    department_id BIGINT NOT NULL,
    reviews       BIGINT NOT NULL,
    good          BIGINT NOT NULL,
    medium        BIGINT NOT NULL,
    bad           BIGINT NOT NULL,
    -- Real-name bad reviews (called back and rectified) and those rectified.
    answerable    BIGINT NOT NULL,
    rectified     BIGINT NOT NULL,
    PRIMARY KEY (dimension, day, unit, department_id)
);
