-- A version published with a future effective date waits here until that day.
ALTER TABLE items ADD COLUMN scheduled_version_id BIGINT;
