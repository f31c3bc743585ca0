-- Supervision, second part: the centre's settings (warning thresholds, the red-flag score),
-- who sits at which window (座席), what each case adds to the assessment (its accepting clerk,
-- working days used, whether it went through without returns or corrections), yellow and red
-- cards with their rules and appeals, and the 100-point deduction scheme.

CREATE TABLE supervision_settings (
    key        TEXT PRIMARY KEY,
    value      BIGINT NOT NULL,
    changed_by BIGINT,
    changed_at BIGINT NOT NULL
);
INSERT INTO supervision_settings (key, value, changed_at) VALUES
    ('warn_percent', 20, 0),
    ('warn_min_days', 1, 0),
    ('red_flag_score', 95, 0);

CREATE TABLE window_staff (
    staff_id    BIGINT PRIMARY KEY REFERENCES staff(id),
    window_id   BIGINT NOT NULL REFERENCES windows(id),
    assigned_by BIGINT NOT NULL,
    assigned_at BIGINT NOT NULL
);
CREATE INDEX window_staff_window ON window_staff(window_id);

ALTER TABLE cases ADD COLUMN accepted_by BIGINT;
ALTER TABLE cases ADD COLUMN days_used BIGINT;
ALTER TABLE cases ADD COLUMN accurate BIGINT;
ALTER TABLE case_rollups ADD COLUMN accurate BIGINT NOT NULL DEFAULT 0;
ALTER TABLE case_rollups ADD COLUMN days_used BIGINT NOT NULL DEFAULT 0;
ALTER TABLE case_rollups ADD COLUMN days_promised BIGINT NOT NULL DEFAULT 0;

CREATE TABLE card_rules (
    code              TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    target            TEXT NOT NULL,
    color             TEXT NOT NULL,
    metric            TEXT NOT NULL,
    threshold         BIGINT NOT NULL,
    enabled           BIGINT NOT NULL DEFAULT 1,
    pending_from      TEXT,
    pending_enabled   BIGINT,
    pending_threshold BIGINT
);
INSERT INTO card_rules (code, name, target, color, metric, threshold) VALUES
    ('department_yellow', '部门月内出现超期办件', 'department', 'yellow', 'overdue_cases', 1),
    ('department_red', '部门月内超期办件达 2 件', 'department', 'red', 'overdue_cases', 2),
    ('window_yellow', '窗口月内被催办', 'window', 'yellow', 'urgings', 1),
    ('window_red', '窗口月内超期办件达 2 件', 'window', 'red', 'overdue_cases', 2),
    ('staff_yellow', '人员月内出现超期办件', 'staff', 'yellow', 'overdue_cases', 1),
    ('staff_red', '人员月内超期办件达 2 件', 'staff', 'red', 'overdue_cases', 2);

CREATE TABLE cards (
    id            {{id}},
    rule_code     TEXT NOT NULL,
    target        TEXT NOT NULL,
    target_id     BIGINT NOT NULL,
    color         TEXT NOT NULL,
    period        TEXT NOT NULL,
    count         BIGINT NOT NULL,
    reason        TEXT NOT NULL,
    issued_on     TEXT NOT NULL,
    issued_at     BIGINT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'issued',
    appeal        TEXT,
    appealed_by   BIGINT,
    appealed_at   BIGINT,
    decision_note TEXT,
    decided_by    BIGINT,
    decided_at    BIGINT,
    CONSTRAINT cards_once UNIQUE (rule_code, target_id, period)
);
CREATE INDEX cards_period ON cards(period, target);

CREATE TABLE assessment_deductions (
    code   TEXT PRIMARY KEY,
    name   TEXT NOT NULL,
    points BIGINT NOT NULL
);
INSERT INTO assessment_deductions (code, name, points) VALUES
    ('overdue_cases', '超期办件（每件）', 2),
    ('overdue_steps', '环节超期（每次）', 1),
    ('urgings', '被催办（每次）', 1),
    ('rejected_explanations', '超期说明不予采纳（每次）', 2),
    ('minor_findings', '一般问题（每项）', 1),
    ('major_findings', '严重问题（每项）', 3),
    ('yellow_cards', '黄牌（每张）', 5),
    ('red_cards', '红牌（每张）', 10);

-- An urging notice whose reply deadline passed without an explanation is a finding, once.
ALTER TABLE findings ADD COLUMN urging_id BIGINT;
CREATE UNIQUE INDEX findings_urging_once ON findings(rule_code, urging_id);
CREATE INDEX urgings_unanswered ON urgings(reply_by) WHERE explanation IS NULL;
INSERT INTO finding_rules (code, name, severity) VALUES ('urging_unanswered', '催办逾期未说明', 'minor');
