-- Joint approval: 一件事一次办 bundles. A bundle names catalogue items (the leading one first)
-- that an applicant applies for at once; each application becomes one joint case whose
-- branches are the other items. Bundles are deactivated, never deleted, so that the cases
-- filed under them keep their name.

CREATE TABLE bundles (
    id           {{id}},
    name         TEXT NOT NULL,
    description  TEXT NOT NULL,
    -- The items as a JSON list of ids, the leading item first.
    item_ids     TEXT NOT NULL,
    lead_item_id BIGINT NOT NULL REFERENCES items(id),
    active       BIGINT NOT NULL,
    created_by   BIGINT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE UNIQUE INDEX bundles_name ON bundles(name);
