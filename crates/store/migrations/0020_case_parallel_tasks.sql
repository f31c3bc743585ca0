-- A case may wait on several people at once (a joint case on each co-department): a task is
-- keyed by its case and its `slot`, the line of the case it belongs to (0 for the case's own
-- line, 1.. for the branches of a joint case), instead of by the case alone. On SQLite the
-- table stays clustered on its key (WITHOUT ROWID), so that the writer reaches a task in one
-- probe and no second index is written with every task.

-- [postgres]
ALTER TABLE case_tasks DROP CONSTRAINT case_tasks_pkey;
ALTER TABLE case_tasks ADD COLUMN slot BIGINT NOT NULL DEFAULT 0;
ALTER TABLE case_tasks ADD PRIMARY KEY (case_id, slot);

-- [sqlite]
CREATE TABLE case_tasks_new (
    case_id       BIGINT NOT NULL,
    slot          BIGINT NOT NULL DEFAULT 0,
    department_id BIGINT NOT NULL,
    role          TEXT NOT NULL,
    assignee      BIGINT,
    what          TEXT NOT NULL,
    since         TEXT,
    due           TEXT,
    PRIMARY KEY (case_id, slot)
) WITHOUT ROWID;
INSERT INTO case_tasks_new (case_id, slot, department_id, role, assignee, what, since, due)
    SELECT case_id, 0, department_id, role, assignee, what, since, due FROM case_tasks;
DROP TABLE case_tasks;
ALTER TABLE case_tasks_new RENAME TO case_tasks;
CREATE INDEX case_tasks_queue ON case_tasks(department_id, role, case_id);
CREATE INDEX case_tasks_assignee ON case_tasks(assignee) WHERE assignee IS NOT NULL;
