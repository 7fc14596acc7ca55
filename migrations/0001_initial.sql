-- newswatch store, version 1. Portable SQL: runs on SQLite and PostgreSQL.
-- Times are milliseconds since the Unix epoch (UTC).

-- One row per configured feed (keyed by its configured URL).
CREATE TABLE feeds (
    feed_id          TEXT PRIMARY KEY,
    current_url      TEXT NOT NULL,
    etag             TEXT,
    last_modified    TEXT,
    body_hash        TEXT,
    last_poll_at     BIGINT,
    last_success_at  BIGINT,
    last_status      TEXT,
    last_error       TEXT,
    next_due_at      BIGINT,
    failures         BIGINT NOT NULL DEFAULT 0,
    disabled_reason  TEXT
);

-- Items already reported: the dedup memory.
CREATE TABLE seen (
    item_key       TEXT PRIMARY KEY,
    feed_id        TEXT NOT NULL,
    first_seen_at  BIGINT NOT NULL,
    alert_id       TEXT
);
CREATE INDEX seen_by_age ON seen (first_seen_at);

-- Every alert, as the JSON the sinks receive.
CREATE TABLE alerts (
    alert_id     TEXT PRIMARY KEY,
    item_key     TEXT NOT NULL,
    feed_id      TEXT NOT NULL,
    detected_at  BIGINT NOT NULL,
    body         TEXT NOT NULL
);
CREATE INDEX alerts_by_time ON alerts (detected_at);

-- The outbox: one row per alert per routed sink. delivery_id is a
-- time-ordered UUID, so ordering by it is ordering by detection.
CREATE TABLE deliveries (
    delivery_id   TEXT PRIMARY KEY,
    alert_id      TEXT NOT NULL REFERENCES alerts (alert_id),
    sink          TEXT NOT NULL,
    state         TEXT NOT NULL,           -- pending | done | dead
    attempts      BIGINT NOT NULL DEFAULT 0,
    due_at        BIGINT NOT NULL,
    lease_until   BIGINT,
    lease_owner   TEXT,
    last_error    TEXT,
    created_at    BIGINT NOT NULL,
    finished_at   BIGINT
);
CREATE INDEX deliveries_queue ON deliveries (sink, state, delivery_id);
