-- Failed attempts at what guessing could break (sign-in, the public progress lookup), counted per
-- subject (a login; empty when only the address counts) and per address. Five wrong passwords
-- from one address lock that login for that address only, so nobody elsewhere can lock an
-- administrator out, and unknown logins are counted like known ones, so the answers never tell
-- which exist. An address's failures of one kind are throttled too.
CREATE TABLE failed_attempts (
    kind         TEXT NOT NULL,
    subject      TEXT NOT NULL,
    remote       TEXT NOT NULL,
    failures     BIGINT NOT NULL,
    locked_until BIGINT,
    last_at      BIGINT NOT NULL,
    PRIMARY KEY (kind, subject, remote)
);
CREATE INDEX failed_attempts_remote ON failed_attempts(kind, remote, last_at);
CREATE INDEX failed_attempts_last ON failed_attempts(last_at);

-- A session also ends after a while without a request (a window PC left signed in).
ALTER TABLE sessions ADD COLUMN last_seen_at BIGINT NOT NULL DEFAULT 0;
UPDATE sessions SET last_seen_at = created_at;
