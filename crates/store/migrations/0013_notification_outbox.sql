-- The notifier's outbox: every in-app notification is also offered, once, to each outside
-- channel the centre configured (an SMS or e-mail gateway). A notifier takes new notifications
-- (dispatched_at) and queues one delivery per channel in the same transaction; deliveries are
-- sent under a lease (next_at) so that a crash mid-send retries instead of losing, and several
-- instances never send the same one at once. Failures back off and give up after five tries.
ALTER TABLE notifications ADD COLUMN dispatched_at BIGINT;
-- What was notified before this migration is history, not news.
UPDATE notifications SET dispatched_at = created_at;
CREATE INDEX notifications_undispatched ON notifications(id) WHERE dispatched_at IS NULL;

CREATE TABLE notification_deliveries (
    notification_id BIGINT NOT NULL,
    channel         TEXT NOT NULL,
    -- pending, sent, failed (will retry) or abandoned.
    status          TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT,
    next_at         BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    PRIMARY KEY (notification_id, channel)
);
CREATE INDEX notification_deliveries_due ON notification_deliveries(next_at)
    WHERE status IN ('pending', 'failed');
