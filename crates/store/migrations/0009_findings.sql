-- Supervision findings: a rule set with codes, names, severities and switches, and the findings
-- raised on the event stream (in the same transaction as the events) and by the sweeper. Each
-- finding points at the event or alert that proves it; supervisors close it with a disposition.
CREATE TABLE finding_rules (
    code     TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    severity TEXT NOT NULL,
    enabled  BIGINT NOT NULL DEFAULT 1
);
INSERT INTO finding_rules (code, name, severity) VALUES
    ('case_overdue', '办件超期', 'major'),
    ('step_overdue', '环节超期', 'minor'),
    ('second_supplement', '同一办件第二次补正告知', 'minor'),
    ('fee_override', '超标准收费', 'major'),
    ('deficiency_not_supplied', '容缺材料逾期未补交', 'minor'),
    ('pledge_not_verified', '告知承诺逾期未核查', 'major'),
    ('repeated_returns', '反复退回', 'minor');

CREATE TABLE findings (
    id            {{id}},
    rule_code     TEXT NOT NULL,
    case_id       BIGINT NOT NULL,
    department_id BIGINT NOT NULL,
    event_seq     BIGINT,
    alert_id      BIGINT,
    detail        TEXT NOT NULL,
    raised_on     TEXT NOT NULL,
    raised_at     BIGINT NOT NULL,
    disposition   TEXT,
    closed_by     BIGINT,
    closed_at     BIGINT,
    CONSTRAINT findings_event_once UNIQUE (rule_code, case_id, event_seq),
    CONSTRAINT findings_alert_once UNIQUE (rule_code, alert_id)
);
CREATE INDEX findings_department ON findings(department_id, id);
