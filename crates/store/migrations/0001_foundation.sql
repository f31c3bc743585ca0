-- Organisation, accounts, sessions, API tokens and the security log.
-- Written once for SQLite and PostgreSQL: {{id}} becomes each database's auto-increment key.
-- Times are UTC milliseconds since the epoch; yes/no flags are 0/1 (sqlx's Any driver reads no
-- SQLite booleans).

CREATE TABLE regions (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    level       BIGINT NOT NULL,
    parent_code TEXT REFERENCES regions(code),
    active      BIGINT NOT NULL DEFAULT 1,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX regions_parent ON regions(parent_code);

CREATE TABLE centres (
    id               {{id}},
    name             TEXT NOT NULL,
    kind             TEXT NOT NULL,
    region_code      TEXT NOT NULL REFERENCES regions(code),
    parent_centre_id BIGINT REFERENCES centres(id),
    address          TEXT NOT NULL,
    phone            TEXT NOT NULL,
    hours            TEXT NOT NULL,
    active           BIGINT NOT NULL DEFAULT 1,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    CONSTRAINT centres_name_unique UNIQUE (name)
);

CREATE TABLE halls (
    id          {{id}},
    centre_id   BIGINT NOT NULL REFERENCES centres(id),
    name        TEXT NOT NULL,
    floor       BIGINT NOT NULL,
    description TEXT NOT NULL,
    active      BIGINT NOT NULL DEFAULT 1,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    CONSTRAINT halls_name_unique UNIQUE (centre_id, name)
);

CREATE TABLE zones (
    id         {{id}},
    hall_id    BIGINT NOT NULL REFERENCES halls(id),
    name       TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    active     BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT zones_name_unique UNIQUE (hall_id, name)
);

CREATE TABLE departments (
    id          {{id}},
    centre_id   BIGINT NOT NULL REFERENCES centres(id),
    name        TEXT NOT NULL,
    short_name  TEXT NOT NULL,
    credit_code TEXT NOT NULL,
    phone       TEXT NOT NULL,
    active      BIGINT NOT NULL DEFAULT 1,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    CONSTRAINT departments_credit_code_unique UNIQUE (credit_code),
    CONSTRAINT departments_name_unique UNIQUE (centre_id, name)
);

CREATE TABLE windows (
    id            {{id}},
    centre_id     BIGINT NOT NULL REFERENCES centres(id),
    number        TEXT NOT NULL,
    name          TEXT NOT NULL,
    department_id BIGINT REFERENCES departments(id),
    zone_id       BIGINT REFERENCES zones(id),
    is_open       BIGINT NOT NULL DEFAULT 1,
    active        BIGINT NOT NULL DEFAULT 1,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    CONSTRAINT windows_number_unique UNIQUE (centre_id, number)
);
CREATE INDEX windows_department ON windows(department_id);

CREATE TABLE accounts (
    id                   {{id}},
    kind                 TEXT NOT NULL,
    login                TEXT NOT NULL,
    display_name         TEXT NOT NULL,
    password_hash        TEXT NOT NULL,
    mobile               TEXT NOT NULL,
    resident_id          TEXT,
    credit_code          TEXT,
    legal_representative TEXT,
    disabled             BIGINT NOT NULL DEFAULT 0,
    failed_logins        BIGINT NOT NULL DEFAULT 0,
    locked_until         BIGINT,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL,
    CONSTRAINT accounts_login_unique UNIQUE (login),
    CONSTRAINT accounts_resident_id_unique UNIQUE (resident_id),
    CONSTRAINT accounts_credit_code_unique UNIQUE (credit_code)
);

CREATE TABLE staff (
    id              {{id}},
    account_id      BIGINT NOT NULL REFERENCES accounts(id),
    centre_id       BIGINT REFERENCES centres(id),
    department_id   BIGINT REFERENCES departments(id),
    name            TEXT NOT NULL,
    mobile          TEXT NOT NULL,
    backup_staff_id BIGINT REFERENCES staff(id),
    active          BIGINT NOT NULL DEFAULT 1,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    CONSTRAINT staff_account_unique UNIQUE (account_id)
);
CREATE INDEX staff_department ON staff(department_id);

CREATE TABLE staff_roles (
    staff_id BIGINT NOT NULL REFERENCES staff(id),
    role     TEXT NOT NULL,
    PRIMARY KEY (staff_id, role)
);

CREATE TABLE power_grants (
    id         {{id}},
    staff_id   BIGINT NOT NULL REFERENCES staff(id),
    power      TEXT NOT NULL,
    granted_by BIGINT NOT NULL REFERENCES accounts(id),
    granted_at BIGINT NOT NULL,
    revoked_by BIGINT REFERENCES accounts(id),
    revoked_at BIGINT
);
CREATE INDEX power_grants_staff ON power_grants(staff_id);

CREATE TABLE sessions (
    id           {{id}},
    token_hash   TEXT NOT NULL,
    account_id   BIGINT NOT NULL REFERENCES accounts(id),
    csrf_token   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    CONSTRAINT sessions_token_unique UNIQUE (token_hash)
);

CREATE TABLE api_tokens (
    id           {{id}},
    account_id   BIGINT NOT NULL REFERENCES accounts(id),
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL,
    scope        TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    revoked_at   BIGINT,
    last_used_at BIGINT,
    CONSTRAINT api_tokens_hash_unique UNIQUE (token_hash)
);

CREATE TABLE security_events (
    id         {{id}},
    at         BIGINT NOT NULL,
    kind       TEXT NOT NULL,
    account_id BIGINT,
    login      TEXT,
    remote     TEXT,
    detail     TEXT NOT NULL
);
CREATE INDEX security_events_at ON security_events(at);
