-- The fleet: several daemons on one PostgreSQL database share the feeds.
-- Every configured feed has a row here with the time it is due; an
-- instance polls a feed only while it holds the feed's lease (owner,
-- lease_until), claimed in batches, grouped by host so that no host sees
-- more than `per_host` requests from the whole fleet, and released when
-- the poll is written (due_at moves on) or the instance stops. A cron
-- feed's due_at is its next activation, so each firing is claimed once.
-- A NULL due_at is a feed that is never due (disabled after 410 Gone).
CREATE TABLE feed_leases (
    feed_id      TEXT PRIMARY KEY,
    host         TEXT NOT NULL,
    due_at       BIGINT,
    owner        TEXT,
    lease_until  BIGINT
);
CREATE INDEX feed_leases_due ON feed_leases (due_at);
CREATE INDEX feed_leases_held ON feed_leases (lease_until);

-- Membership: each running instance, its heartbeat, and a fingerprint of
-- the config it runs (its sections' hashes), so differences show.
CREATE TABLE instances (
    instance_id   TEXT PRIMARY KEY,
    incarnation   TEXT NOT NULL,
    host_name     TEXT NOT NULL,
    pid           BIGINT NOT NULL,
    version       TEXT NOT NULL,
    started_at    BIGINT NOT NULL,
    heartbeat_at  BIGINT NOT NULL,
    stopped_at    BIGINT,
    config_hash   TEXT NOT NULL,
    config_parts  TEXT NOT NULL
);
