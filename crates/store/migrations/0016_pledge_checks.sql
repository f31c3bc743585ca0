-- Cases approved on pledge (告知承诺) wait for their verification after approval, often after
-- conclusion, when no task is open any more: the departments' inboxes list them from their
-- timers. A partial index over those timers only, so other timers' writes leave it alone.
CREATE INDEX case_timers_pledge ON case_timers(department_id, due_on)
    WHERE kind = 'pledge_verification';
