-- Electronic supervision: each threshold a case's timers cross raises one alert, exactly once
-- (the unique key makes racing sweepers and restarts harmless), and notifies people in-app.

CREATE TABLE supervision_alerts (
    id            {{id}},
    case_id       BIGINT NOT NULL,
    timer_kind    TEXT NOT NULL,
    level         TEXT NOT NULL,
    due_on        TEXT NOT NULL,
    department_id BIGINT NOT NULL,
    raised_on     TEXT NOT NULL,
    raised_at     BIGINT NOT NULL,
    sweep_id      TEXT NOT NULL,
    CONSTRAINT supervision_alerts_once UNIQUE (case_id, timer_kind, level, due_on)
);
CREATE INDEX supervision_alerts_department ON supervision_alerts(department_id, level);

CREATE TABLE notifications (
    id         {{id}},
    account_id BIGINT NOT NULL,
    case_id    BIGINT,
    alert_id   BIGINT,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    read_at    BIGINT
);
CREATE INDEX notifications_account ON notifications(account_id, id);
