-- One application for a bundle (一件事一表申请) and online joint pre-review (网上联合预审).
-- A bundle keeps the administrator's field mappings (JSON list of {item_id, field, to}); an
-- online application of a bundle names it and the versions of its items it was filled in
-- against (JSON list of [item_id, version]; item_id and item_version stay the leading item's).

ALTER TABLE bundles ADD COLUMN field_map TEXT NOT NULL DEFAULT '[]';
ALTER TABLE hall_applications ADD COLUMN bundle_id BIGINT REFERENCES bundles(id);
ALTER TABLE hall_applications ADD COLUMN item_versions TEXT;

-- A round of pre-review of a draft: every department concerned is asked at once and answers
-- by a working day; the applicant sees the opinions together.
CREATE TABLE prereviews (
    id             {{id}},
    application_id BIGINT NOT NULL REFERENCES hall_applications(id),
    round          BIGINT NOT NULL,
    -- The application's digest when it was sent (what the departments were asked about).
    digest         TEXT NOT NULL,
    requested_on   TEXT NOT NULL,
    due_on         TEXT NOT NULL,
    requested_at   BIGINT NOT NULL
);
CREATE UNIQUE INDEX prereviews_round ON prereviews(application_id, round);

-- One row per department asked, answered once.
CREATE TABLE prereview_opinions (
    prereview_id  BIGINT NOT NULL REFERENCES prereviews(id),
    department_id BIGINT NOT NULL REFERENCES departments(id),
    -- 'ok' (无意见) or 'correct' (需修改); NULL until answered.
    verdict       TEXT,
    comment       TEXT,
    by_account    BIGINT,
    by_name       TEXT,
    answered_at   BIGINT,
    PRIMARY KEY (prereview_id, department_id)
);
CREATE INDEX prereview_opinions_department ON prereview_opinions(department_id, prereview_id);
