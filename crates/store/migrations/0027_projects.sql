-- Investment projects (投资项目): registered by their national code, approved in stages; each
-- stage started is one joint case over a bundle's items (project_stages links them). The
-- centre's path of stages is kept in joint_settings as JSON.

CREATE TABLE projects (
    id            {{id}},
    code          TEXT NOT NULL,
    name          TEXT NOT NULL,
    investor      TEXT NOT NULL,
    investor_code TEXT NOT NULL,
    location      TEXT NOT NULL,
    -- 概算投资 in hundredths of 万元 (百元).
    investment    BIGINT NOT NULL,
    industry      TEXT NOT NULL,
    kind          TEXT NOT NULL,
    region        TEXT NOT NULL,
    created_by    BIGINT,
    created_on    TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX projects_code ON projects(code);

CREATE TABLE project_stages (
    project_id BIGINT NOT NULL REFERENCES projects(id),
    stage      BIGINT NOT NULL,
    name       TEXT NOT NULL,
    bundle_id  BIGINT NOT NULL REFERENCES bundles(id),
    case_id    BIGINT NOT NULL REFERENCES cases(id),
    started_on TEXT NOT NULL,
    PRIMARY KEY (project_id, stage)
);
CREATE INDEX project_stages_case ON project_stages(case_id);

CREATE TABLE joint_settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    changed_by BIGINT,
    changed_at BIGINT NOT NULL
);
