-- A finding is proved in one of four ways (an event, an alert, an urging notice or a reported
-- record), and each way keeps it unique by its own key. Those keys become partial unique
-- indexes over the findings proved that way only, so that a finding writes two index entries
-- beside its row (its own way's key and the department's) instead of five: the sweep raising
-- thousands of overdue findings at once writes correspondingly fewer pages.
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
    record_id     BIGINT
);
INSERT INTO findings_new (id, rule_code, case_id, department_id, event_seq, alert_id, detail,
        raised_on, raised_at, disposition, closed_by, closed_at, urging_id, record_id)
    SELECT id, rule_code, case_id, department_id, event_seq, alert_id, detail, raised_on,
        raised_at, disposition, closed_by, closed_at, urging_id, record_id FROM findings;
DROP TABLE findings;
ALTER TABLE findings_new RENAME TO findings;
CREATE INDEX findings_department ON findings(department_id, id);
CREATE UNIQUE INDEX findings_event_once ON findings(rule_code, case_id, event_seq)
    WHERE event_seq IS NOT NULL;
CREATE UNIQUE INDEX findings_alert_once ON findings(rule_code, alert_id) WHERE alert_id IS NOT NULL;
CREATE UNIQUE INDEX findings_urging_once ON findings(rule_code, urging_id) WHERE urging_id IS NOT NULL;
CREATE UNIQUE INDEX findings_record_once ON findings(rule_code, record_id) WHERE record_id IS NOT NULL;

-- [postgres]
ALTER TABLE findings DROP CONSTRAINT findings_event_once;
ALTER TABLE findings DROP CONSTRAINT findings_alert_once;
DROP INDEX findings_urging_once;
DROP INDEX findings_record_once;
CREATE UNIQUE INDEX findings_event_once ON findings(rule_code, case_id, event_seq)
    WHERE event_seq IS NOT NULL;
CREATE UNIQUE INDEX findings_alert_once ON findings(rule_code, alert_id) WHERE alert_id IS NOT NULL;
CREATE UNIQUE INDEX findings_urging_once ON findings(rule_code, urging_id) WHERE urging_id IS NOT NULL;
CREATE UNIQUE INDEX findings_record_once ON findings(rule_code, record_id) WHERE record_id IS NOT NULL;
