-- Case records reported by departments' own systems (部门自建业务系统) in the national
-- exchange shape (up_pro_accept / up_pro_process / up_pro_result), kept as received, one row per
-- case with the times supervision compares. A finding may now be proved by such a record
-- instead of a case of ours: findings.case_id becomes optional (SQLite rebuilds the table to
-- drop NOT NULL) and record_id points at the record.

CREATE TABLE reported_cases (
    id            {{id}},
    department_id BIGINT NOT NULL REFERENCES departments(id),
    project_no    TEXT NOT NULL,
    task_code     TEXT,
    task_name     TEXT,
    applicant     TEXT,
    apply_type    TEXT,
    accepted_at   TEXT,
    promised_at   TEXT,
    result_at     TEXT,
    result_type   TEXT,
    first_at      BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    CONSTRAINT reported_cases_once UNIQUE (department_id, project_no)
);
CREATE TABLE reported_records (
    id               {{id}},
    reported_case_id BIGINT NOT NULL REFERENCES reported_cases(id),
    kind             TEXT NOT NULL,
    row_guid         TEXT NOT NULL,
    payload          TEXT NOT NULL,
    reported_by      BIGINT NOT NULL,
    received_at      BIGINT NOT NULL,
    CONSTRAINT reported_records_once UNIQUE (reported_case_id, kind, row_guid)
);
INSERT INTO finding_rules (code, name, severity) VALUES
    ('online_only_at_window', '应网办事项在窗口办理', 'minor'),
    ('refused_without_reasons', '不予受理未说明理由', 'major'),
    ('decision_before_acceptance', '决定早于受理（体外循环）', 'major'),
    ('result_without_case', '有办结结果无受理记录（体外循环）', 'major');

-- [sqlite]
CREATE TABLE findings_new (
    id            {{id}},
    rule_code     TEXT NOT NULL,
    case_id       BIGINT,
    department_id BIGINT NOT NULL,
    event_seq     BIGINT,
    alert_id      BIGINT,
    detail        TEXT NOT NULL,
    raised_on     TEXT NOT NULL,
    raised_at     BIGINT NOT NULL,
    disposition   TEXT,
    closed_by     BIGINT,
    closed_at     BIGINT,
    urging_id     BIGINT,
    record_id     BIGINT,
    CONSTRAINT findings_event_once UNIQUE (rule_code, case_id, event_seq),
    CONSTRAINT findings_alert_once UNIQUE (rule_code, alert_id)
);
INSERT INTO findings_new (id, rule_code, case_id, department_id, event_seq, alert_id, detail,
        raised_on, raised_at, disposition, closed_by, closed_at, urging_id)
    SELECT id, rule_code, case_id, department_id, event_seq, alert_id, detail, raised_on,
        raised_at, disposition, closed_by, closed_at, urging_id FROM findings;
DROP TABLE findings;
ALTER TABLE findings_new RENAME TO findings;
CREATE INDEX findings_department ON findings(department_id, id);
CREATE UNIQUE INDEX findings_urging_once ON findings(rule_code, urging_id);
CREATE UNIQUE INDEX findings_record_once ON findings(rule_code, record_id);

-- [postgres]
ALTER TABLE findings ALTER COLUMN case_id DROP NOT NULL;
ALTER TABLE findings ADD COLUMN record_id BIGINT;
CREATE UNIQUE INDEX findings_record_once ON findings(rule_code, record_id);
