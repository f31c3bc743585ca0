-- Investment projects, second part: the centre's agent (代办员) acting for the investor under
-- a recorded authorisation, and consultation meetings (会商) with the departments invited and
-- present, the minutes and the decisions.

CREATE TABLE project_agents (
    project_id    BIGINT PRIMARY KEY REFERENCES projects(id),
    staff_id      BIGINT NOT NULL REFERENCES staff(id),
    -- The letter of authorisation: its number and what it covers.
    authorisation TEXT NOT NULL,
    valid_until   TEXT NOT NULL,
    assigned_by   BIGINT,
    assigned_at   BIGINT NOT NULL
);

CREATE TABLE project_meetings (
    id          {{id}},
    project_id  BIGINT NOT NULL REFERENCES projects(id),
    held_on     TEXT NOT NULL,
    topic       TEXT NOT NULL,
    -- Department ids as JSON lists.
    invited     TEXT NOT NULL,
    attended    TEXT NOT NULL,
    minutes     TEXT NOT NULL,
    decisions   TEXT NOT NULL,
    recorded_by BIGINT,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX project_meetings_project ON project_meetings(project_id, held_on);
