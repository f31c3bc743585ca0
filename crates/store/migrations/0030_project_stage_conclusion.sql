-- A project stage keeps its conclusion as the case projection settles it (the day, the working
-- days its clock ran, whether within the deadline), so that the monthly bulletin reads
-- project_stages alone, by index, for the month's stages started or concluded.

ALTER TABLE project_stages ADD COLUMN concluded_on TEXT;
ALTER TABLE project_stages ADD COLUMN days_used BIGINT NOT NULL DEFAULT 0;
ALTER TABLE project_stages ADD COLUMN on_time BIGINT NOT NULL DEFAULT 1;

UPDATE project_stages SET
    concluded_on = (SELECT c.concluded_on FROM cases c WHERE c.id = project_stages.case_id),
    days_used = COALESCE((SELECT c.days_used FROM cases c WHERE c.id = project_stages.case_id), 0),
    on_time = COALESCE((SELECT CASE WHEN c.due IS NULL OR c.concluded_on <= c.due THEN 1 ELSE 0 END
                        FROM cases c WHERE c.id = project_stages.case_id AND c.concluded_on IS NOT NULL), 1);

CREATE INDEX project_stages_concluded ON project_stages(concluded_on);
CREATE INDEX project_stages_started ON project_stages(started_on);
