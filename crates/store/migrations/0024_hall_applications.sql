-- The online hall (网上办事大厅), first part: applications kept as drafts on the server as the
-- applicant types, the files uploaded for their materials (content-addressed blobs on disk;
-- these rows attach them), the centre's upload limits, and the channels each applicant wants
-- messages on. An application becomes a case by the case engine; the hall's projection links
-- the two in the same transaction as the submission.

CREATE TABLE hall_applications (
    id           {{id}},
    account_id   BIGINT NOT NULL REFERENCES accounts(id),
    item_id      BIGINT NOT NULL REFERENCES items(id),
    item_version BIGINT NOT NULL,
    -- The draft as JSON: answers by field key, the delivery choice, 容缺 promises.
    content      TEXT NOT NULL,
    -- Each save counts up, so that an autosave from a stale tab cannot undo a newer one.
    revision     BIGINT NOT NULL DEFAULT 0,
    case_id      BIGINT,
    submitted_at BIGINT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX hall_applications_account ON hall_applications(account_id, id);
CREATE UNIQUE INDEX hall_applications_case ON hall_applications(case_id);

CREATE TABLE hall_files (
    id             {{id}},
    application_id BIGINT NOT NULL REFERENCES hall_applications(id),
    material       TEXT NOT NULL,
    sha256         TEXT NOT NULL,
    filename       TEXT NOT NULL,
    size           BIGINT NOT NULL,
    kind           TEXT NOT NULL,
    uploaded_at    BIGINT NOT NULL,
    -- Set when a file of a submitted application is replaced during 补正: the record keeps it.
    removed_at     BIGINT
);
CREATE INDEX hall_files_application ON hall_files(application_id, id);

CREATE TABLE hall_settings (
    key        TEXT PRIMARY KEY,
    value      BIGINT NOT NULL,
    changed_by BIGINT,
    changed_at BIGINT NOT NULL
);
INSERT INTO hall_settings (key, value, changed_at) VALUES
    ('max_file_bytes', 10485760, 0),
    ('max_application_bytes', 52428800, 0),
    ('max_files_per_material', 5, 0);

-- Outside channels (sms, email) an account does not want messages on; in-app always.
CREATE TABLE notification_optouts (
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    channel    TEXT NOT NULL,
    PRIMARY KEY (account_id, channel)
);
