-- The sweep reads only what can have crossed a threshold since it last ran: timers whose due or
-- warning day lies between the day it reached and today, and the timers written since (fresh:
-- set by every write of a timer, cleared by the sweep that reads it), so that the cases long
-- overdue and already raised are not looked at again every minute. Existing timers start
-- fresh, and the day reached starts before any: the first sweep after this looks at all once.
ALTER TABLE case_timers ADD COLUMN fresh BIGINT NOT NULL DEFAULT 1;
CREATE INDEX case_timers_fresh ON case_timers(case_id) WHERE fresh = 1;
CREATE TABLE supervision_sweeps (
    id       BIGINT PRIMARY KEY,
    swept_on TEXT NOT NULL
);
INSERT INTO supervision_sweeps (id, swept_on) VALUES (1, '0000-01-01');

-- The sweep raises an alert's urging notice and finding in the statement that reads the alert
-- back, in the transaction that raised it, and sweeps take turns: one alert cannot have two.
-- The alert's own unique key stays the guard; the per-alert keys on urging notices and
-- findings only cost the morning rush an index entry per row, and go. So does the alerts'
-- (department, level) index, which no query uses (the department's alert list goes by id).
DROP INDEX supervision_alerts_department;
DROP INDEX findings_alert_once;
-- [sqlite]
CREATE TABLE urgings_new (
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
    created_at      BIGINT NOT NULL
);
INSERT INTO urgings_new SELECT id, case_id, department_id, addressee_staff, alert_id, issued_by,
    issued_on, reply_by, reason, explanation, explained_by, explained_at, decision,
    decision_note, decided_by, decided_at, created_at FROM urgings;
DROP TABLE urgings;
ALTER TABLE urgings_new RENAME TO urgings;
CREATE INDEX urgings_department ON urgings(department_id, id);
CREATE INDEX urgings_case ON urgings(case_id);
CREATE INDEX urgings_unanswered ON urgings(reply_by) WHERE explanation IS NULL;
-- [postgres]
ALTER TABLE urgings DROP CONSTRAINT urgings_alert_once;
