-- A project stage keeps what the monthly bulletin counts, as filed when it started: the items
-- its joint case handles and the departments taking part (JSON list of ids), so that the
-- bulletin reads no case state.

ALTER TABLE project_stages ADD COLUMN items BIGINT NOT NULL DEFAULT 1;
ALTER TABLE project_stages ADD COLUMN departments TEXT NOT NULL DEFAULT '[]';
