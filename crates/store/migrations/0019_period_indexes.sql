-- The month's and the quarter's counts behind cards and the assessment (overdue cases and
-- steps, urging notices, findings) read the period's rows by these, instead of every alert,
-- notice and finding ever raised. Only red alerts are counted, so only they are indexed.
CREATE INDEX supervision_alerts_red_raised ON supervision_alerts(raised_on) WHERE level = 'red';
CREATE INDEX urgings_issued ON urgings(issued_on);
CREATE INDEX findings_raised ON findings(raised_on);
