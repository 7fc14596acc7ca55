-- Stories as the unit (issue: one message per story per destination, and
-- the signal when news surges).

-- Which sinks have had each story: a sink gets a story once. The primary
-- key makes the claim exact across instances sharing one database.
CREATE TABLE story_sinks (
    story_id  TEXT NOT NULL,
    sink      TEXT NOT NULL,
    alert_id  TEXT NOT NULL,
    sent_at   BIGINT NOT NULL,
    PRIMARY KEY (story_id, sink)
);
CREATE INDEX story_sinks_by_age ON story_sinks (sent_at);

-- Stories alerted before this version: the sinks their stored deliveries
-- went to have had them.
INSERT INTO story_sinks (story_id, sink, alert_id, sent_at)
SELECT s.story_id, d.sink, MIN(s.alert_id), MIN(d.created_at)
FROM seen s JOIN deliveries d ON d.alert_id = s.alert_id
WHERE s.story_id IS NOT NULL
GROUP BY s.story_id, d.sink;

-- The headline as first alerted (title is its folded form, for matching),
-- when a story last gained a copy, and when it broke (at most once).
ALTER TABLE stories ADD COLUMN headline TEXT;
ALTER TABLE stories ADD COLUMN last_seen_at BIGINT;
ALTER TABLE stories ADD COLUMN breaking_at BIGINT;

-- Every matched copy, per list it brought: the counts behind volume
-- spikes, derived from what was recorded, so they survive restarts.
CREATE TABLE list_hits (
    list      TEXT NOT NULL,
    at        BIGINT NOT NULL,
    story_id  TEXT,
    item_key  TEXT NOT NULL
);
CREATE INDEX list_hits_by_time ON list_hits (list, at);
CREATE INDEX list_hits_by_age ON list_hits (at);

-- Per list: since when it has been watched (a baseline needs history),
-- and when it last spiked (the cool-down).
CREATE TABLE list_signals (
    list           TEXT PRIMARY KEY,
    watched_since  BIGINT NOT NULL,
    last_spike_at  BIGINT
);
