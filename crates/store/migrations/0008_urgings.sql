-- Urging notices (催办通知书): issued automatically when a case turns red and by supervisors at
-- any time, answered by the responsible unit with an overdue explanation (超期说明) that a
-- supervisor accepts or rejects.
CREATE TABLE urgings (
    id              {{id}},
    case_id         BIGINT NOT NULL,
    department_id   BIGINT NOT NULL,
    addressee_staff BIGINT,
    alert_id        BIGINT,
    issued_by       BIGINT,
    issued_on       TEXT NOT NULL,
    reply_by        TEXT NOT NULL,
    reason          TEXT NOT NULL,
    explanation     TEXT,
    explained_by    BIGINT,
    explained_at    BIGINT,
    decision        TEXT,
    decision_note   TEXT,
    decided_by      BIGINT,
    decided_at      BIGINT,
    created_at      BIGINT NOT NULL,
    CONSTRAINT urgings_alert_once UNIQUE (alert_id)
);
CREATE INDEX urgings_department ON urgings(department_id, id);
CREATE INDEX urgings_case ON urgings(case_id);
