-- The urging notices issued per department and day, as the indicators read them (催办率): each
-- notice adds to its row in the transaction that issues it, so that a month's indicators sum at
-- most a month of rows per department instead of counting every notice ever issued.
-- [sqlite]
CREATE TABLE urging_rollups (
    day           TEXT NOT NULL,
    department_id BIGINT NOT NULL,
    urged         BIGINT NOT NULL,
    PRIMARY KEY (day, department_id)
) WITHOUT ROWID;
INSERT INTO urging_rollups (day, department_id, urged)
    SELECT issued_on, department_id, COUNT(*) FROM urgings GROUP BY issued_on, department_id;
-- [postgres]
CREATE TABLE urging_rollups (
    day           TEXT NOT NULL,
    department_id BIGINT NOT NULL,
    urged         BIGINT NOT NULL,
    PRIMARY KEY (day, department_id)
);
INSERT INTO urging_rollups (day, department_id, urged)
    SELECT issued_on, department_id, COUNT(*) FROM urgings GROUP BY issued_on, department_id;
