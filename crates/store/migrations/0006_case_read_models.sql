-- Read models of the case log, written in the same transaction as the events: the case row
-- carries its folded state, tasks feed the inboxes, timers feed supervision, rollups feed
-- statistics. case_commands makes commands idempotent; calendar_days keeps admins' corrections.

ALTER TABLE cases ADD COLUMN state TEXT NOT NULL DEFAULT '{}';
ALTER TABLE cases ADD COLUMN item_name TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN applicant_id TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN applicant_account BIGINT;
ALTER TABLE cases ADD COLUMN channel TEXT NOT NULL DEFAULT 'window';
ALTER TABLE cases ADD COLUMN step_name TEXT;
ALTER TABLE cases ADD COLUMN assignee BIGINT;
ALTER TABLE cases ADD COLUMN paused BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN submitted_on TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN concluded_on TEXT;
CREATE INDEX cases_applicant ON cases(applicant_id);
CREATE INDEX cases_applicant_account ON cases(applicant_account);
CREATE INDEX cases_item ON cases(item_id);
CREATE INDEX cases_submitted ON cases(submitted_on);

CREATE TABLE case_tasks (
    case_id       BIGINT PRIMARY KEY,
    department_id BIGINT NOT NULL,
    role          TEXT NOT NULL,
    assignee      BIGINT,
    what          TEXT NOT NULL,
    since         TEXT,
    due           TEXT
);
CREATE INDEX case_tasks_queue ON case_tasks(department_id, role, case_id);
CREATE INDEX case_tasks_assignee ON case_tasks(assignee);

CREATE TABLE case_timers (
    case_id       BIGINT NOT NULL,
    kind          TEXT NOT NULL,
    department_id BIGINT NOT NULL,
    warn_on       TEXT NOT NULL,
    due_on        TEXT NOT NULL,
    PRIMARY KEY (case_id, kind)
);
CREATE INDEX case_timers_due ON case_timers(due_on);
CREATE INDEX case_timers_warn ON case_timers(warn_on);

CREATE TABLE case_rollups (
    day              TEXT NOT NULL,
    department_id    BIGINT NOT NULL,
    item_id          BIGINT NOT NULL,
    received         BIGINT NOT NULL DEFAULT 0,
    accepted         BIGINT NOT NULL DEFAULT 0,
    concluded        BIGINT NOT NULL DEFAULT 0,
    instant          BIGINT NOT NULL DEFAULT 0,
    promised         BIGINT NOT NULL DEFAULT 0,
    concluded_on_time BIGINT NOT NULL DEFAULT 0,
    overdue          BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, department_id, item_id)
);

CREATE TABLE case_commands (
    command_key  TEXT PRIMARY KEY,
    case_id      BIGINT NOT NULL,
    request_hash TEXT NOT NULL,
    first_seq    BIGINT NOT NULL,
    version      BIGINT NOT NULL,
    at           BIGINT NOT NULL
);

CREATE TABLE calendar_days (
    region_code TEXT NOT NULL,
    day         TEXT NOT NULL,
    workday     BIGINT NOT NULL,
    name        TEXT NOT NULL,
    changed_by  BIGINT NOT NULL,
    changed_at  BIGINT NOT NULL,
    PRIMARY KEY (region_code, day)
);
