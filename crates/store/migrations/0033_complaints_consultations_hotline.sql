-- 效能投诉, 咨询 and the 12345 hotline's calls (#18).

-- A complaint about a department, window, staff member or case; the department concerned is
-- known once it is resolved or assigned. What each step said is in complaint_log.
CREATE TABLE complaints (
    id            {{id}},
    channel       TEXT NOT NULL,
    subject       TEXT NOT NULL,
    subject_ref   TEXT NOT NULL,
    department_id BIGINT,
    window_id     BIGINT,
    staff_id      BIGINT,
    case_id       BIGINT,
    title         TEXT NOT NULL,
    content       TEXT NOT NULL,
    anonymous     BIGINT NOT NULL,
    name          TEXT NOT NULL,
    mobile        TEXT NOT NULL,
    -- The complainant's account (a web complaint), told of the outcome and asked to rate it.
    account_id    BIGINT,
    entered_by    BIGINT NOT NULL,
    state         TEXT NOT NULL,
    reply_by      TEXT,
    reply         TEXT,
    -- The complainant's rating of the handling: satisfied or dissatisfied.
    rating        TEXT,
    hotline_call  TEXT,
    filed_on      TEXT NOT NULL,
    filed_at      BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX complaints_state ON complaints(state, id);
CREATE INDEX complaints_department ON complaints(department_id, id);
CREATE INDEX complaints_account ON complaints(account_id, id);

CREATE TABLE complaint_log (
    id           {{id}},
    complaint_id BIGINT NOT NULL REFERENCES complaints(id),
    -- filed, assigned, replied, accepted, sent_back, rated
    step         TEXT NOT NULL,
    body         TEXT NOT NULL,
    by_account   BIGINT NOT NULL,
    by_name      TEXT NOT NULL,
    at           BIGINT NOT NULL
);
CREATE INDEX complaint_log_complaint ON complaint_log(complaint_id, id);

ALTER TABLE findings ADD COLUMN complaint_id BIGINT;
CREATE UNIQUE INDEX findings_complaint_once ON findings(rule_code, complaint_id);
INSERT INTO finding_rules (code, name, severity) VALUES
    ('complaint_overdue', '投诉逾期未答复', 'minor');

-- A question about a service: recorded with its answer by staff, or asked online and answered
-- by the department by answer_by; an answer may be proposed for, and approved onto, the item's
-- FAQ (faq: proposed, approved, declined).
CREATE TABLE consultations (
    id            {{id}},
    item_id       BIGINT,
    department_id BIGINT NOT NULL,
    channel       TEXT NOT NULL,
    question      TEXT NOT NULL,
    answer        TEXT,
    asked_by      BIGINT,
    asked_name    TEXT NOT NULL,
    answer_by     TEXT,
    answered_by   BIGINT,
    answered_name TEXT,
    answered_at   BIGINT,
    faq           TEXT,
    hotline_call  TEXT,
    asked_on      TEXT NOT NULL,
    asked_at      BIGINT NOT NULL
);
CREATE INDEX consultations_department ON consultations(department_id, id);
CREATE INDEX consultations_item ON consultations(item_id, faq);
CREATE INDEX consultations_day ON consultations(asked_on);

-- The hotline's calls as imported (kept once per call id).
CREATE TABLE hotline_calls (
    call_id         TEXT PRIMARY KEY,
    at              TEXT NOT NULL,
    day             TEXT NOT NULL,
    caller          TEXT NOT NULL,
    category        TEXT NOT NULL,
    answered        BIGINT NOT NULL,
    department_id   BIGINT,
    transferred     BIGINT NOT NULL,
    transfer_ok     BIGINT NOT NULL,
    satisfaction    TEXT,
    imported_at     BIGINT NOT NULL,
    complaint_id    BIGINT,
    consultation_id BIGINT
);
CREATE INDEX hotline_calls_day ON hotline_calls(day, department_id);
