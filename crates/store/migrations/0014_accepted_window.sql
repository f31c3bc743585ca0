-- The window a case was accepted at, recorded at acceptance: a clerk who later moves to another
-- window (轮岗) leaves their earlier cases with the window that took them. Cases accepted
-- before this migration take their clerk's present seat.
ALTER TABLE cases ADD COLUMN accepted_window BIGINT;
UPDATE cases SET accepted_window =
    (SELECT ws.window_id FROM staff s JOIN window_staff ws ON ws.staff_id = s.id
     WHERE s.account_id = cases.accepted_by)
WHERE accepted_by IS NOT NULL;
