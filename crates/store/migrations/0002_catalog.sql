-- The service-item catalogue: an item, and its immutable versions (drafts, published,
-- superseded). A case will point at the exact version it was accepted under.

CREATE TABLE items (
    id                  {{id}},
    implementation_code TEXT NOT NULL,
    department_id       BIGINT NOT NULL REFERENCES departments(id),
    -- draft (never published), active, suspended, withdrawn
    status              TEXT NOT NULL,
    current_version_id  BIGINT,
    draft_version_id    BIGINT,
    -- 取消 or 下放, with the reason, when withdrawn
    withdrawn_kind      TEXT,
    withdrawn_reason    TEXT,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    CONSTRAINT items_code_unique UNIQUE (implementation_code)
);
CREATE INDEX items_department ON items(department_id, status);

CREATE TABLE item_versions (
    id             {{id}},
    item_id        BIGINT NOT NULL REFERENCES items(id),
    version        BIGINT NOT NULL,
    -- draft, published (the current one), superseded
    status         TEXT NOT NULL,
    name           TEXT NOT NULL,
    item_type      TEXT NOT NULL,
    doc            TEXT NOT NULL,
    effective_date TEXT,
    created_by     BIGINT,
    created_at     BIGINT NOT NULL,
    published_by   BIGINT,
    published_at   BIGINT,
    CONSTRAINT item_versions_unique UNIQUE (item_id, version)
);

-- Search synonyms that administrators edit: a term and what it also means.
CREATE TABLE search_synonyms (
    term       TEXT PRIMARY KEY,
    expansions TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
