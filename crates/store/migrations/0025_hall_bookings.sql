-- The online hall, second part: appointments (预约). Each hall has its opening hours for
-- appointments (one session through noon is 午间不休); slots are cut from them on the
-- calendar's working days. A slot's places are counted in booking_slots, one row per hall,
-- pool (the windows that serve it: a department's own windows, or the hall's comprehensive
-- windows) and start, taken by a guarded UPDATE so that no two applicants ever get the last
-- place. booking_holders is one row per applicant that a booking locks first, so that one
-- person's concurrent requests are counted one after the other.

CREATE TABLE hall_schedules (
    hall_id      BIGINT PRIMARY KEY REFERENCES halls(id),
    -- The sessions as JSON: [{"start":"08:30:00","end":"12:00:00"}, …].
    sessions     TEXT NOT NULL,
    slot_minutes BIGINT NOT NULL,
    per_window   BIGINT NOT NULL,
    changed_by   BIGINT,
    changed_at   BIGINT NOT NULL
);

CREATE TABLE booking_slots (
    hall_id      BIGINT NOT NULL REFERENCES halls(id),
    pool         TEXT NOT NULL,
    day          TEXT NOT NULL,
    start_minute BIGINT NOT NULL,
    capacity     BIGINT NOT NULL,
    taken        BIGINT NOT NULL,
    PRIMARY KEY (hall_id, pool, day, start_minute)
);

CREATE TABLE booking_holders (
    account_id BIGINT PRIMARY KEY REFERENCES accounts(id),
    changes    BIGINT NOT NULL
);

CREATE TABLE bookings (
    id                {{id}},
    account_id        BIGINT NOT NULL REFERENCES accounts(id),
    item_id           BIGINT NOT NULL REFERENCES items(id),
    -- The item's name when booked, as the applicant's confirmation said it.
    item_name         TEXT NOT NULL,
    department_id     BIGINT NOT NULL REFERENCES departments(id),
    hall_id           BIGINT NOT NULL REFERENCES halls(id),
    pool              TEXT NOT NULL,
    day               TEXT NOT NULL,
    start_minute      BIGINT NOT NULL,
    end_minute        BIGINT NOT NULL,
    -- The slot in UTC milliseconds, for no-shows and reminders.
    starts_at         BIGINT NOT NULL,
    ends_at           BIGINT NOT NULL,
    -- The check-in code the window and the queue read (8 characters, unambiguous alphabet).
    code              TEXT NOT NULL,
    status            TEXT NOT NULL,
    -- The client's key for this request: a retried or double-clicked booking is one booking.
    request_key       TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    cancelled_at      BIGINT,
    checked_in_at     BIGINT,
    checked_in_by     BIGINT,
    checked_in_window BIGINT,
    reminded_at       BIGINT,
    CONSTRAINT bookings_code UNIQUE (code),
    CONSTRAINT bookings_request UNIQUE (account_id, request_key)
);
CREATE INDEX bookings_account ON bookings(account_id, starts_at);
CREATE INDEX bookings_day ON bookings(hall_id, day, start_minute);
CREATE INDEX bookings_due ON bookings(status, starts_at);

INSERT INTO hall_settings (key, value, changed_at) VALUES
    ('booking_max_open', 3, 0),
    ('booking_no_show_limit', 3, 0),
    ('booking_no_show_days', 30, 0),
    ('booking_days_ahead', 14, 0);
