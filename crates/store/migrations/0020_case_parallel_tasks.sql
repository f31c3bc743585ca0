-- A case may wait on several people at once (a joint case on each co-department). A task has
-- its own id, made of its case and its `slot`, the line of the case it belongs to (0 for the
-- case's own line, 1.. for the branches of a joint case): id = case_id * 1024 + slot. The id
-- stays the table's integer key, so that the writer and the sweep reach a task in one probe of
-- the key as before, and a case's tasks are the key range [case_id * 1024, case_id * 1024 + 1023].

-- [postgres]
ALTER TABLE case_tasks DROP CONSTRAINT case_tasks_pkey;
ALTER TABLE case_tasks ADD COLUMN slot BIGINT NOT NULL DEFAULT 0;
ALTER TABLE case_tasks ADD COLUMN id BIGINT;
UPDATE case_tasks SET id = case_id * 1024 + slot;
ALTER TABLE case_tasks ALTER COLUMN id SET NOT NULL;
ALTER TABLE case_tasks ADD PRIMARY KEY (id);

-- [sqlite]
CREATE TABLE case_tasks_new (
    id            INTEGER PRIMARY KEY,
    case_id       BIGINT NOT NULL,
    slot          BIGINT NOT NULL DEFAULT 0,
    department_id BIGINT NOT NULL,
    role          TEXT NOT NULL,
    assignee      BIGINT,
    what          TEXT NOT NULL,
    since         TEXT,
    due           TEXT
);
INSERT INTO case_tasks_new (id, case_id, slot, department_id, role, assignee, what, since, due)
    SELECT case_id * 1024, case_id, 0, department_id, role, assignee, what, since, due FROM case_tasks;
DROP TABLE case_tasks;
ALTER TABLE case_tasks_new RENAME TO case_tasks;
CREATE INDEX case_tasks_queue ON case_tasks(department_id, role, case_id);
CREATE INDEX case_tasks_assignee ON case_tasks(assignee) WHERE assignee IS NOT NULL;
