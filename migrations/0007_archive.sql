-- The item archive: every parsed item, kept for [archive] retention, for
-- back-testing watch lists and searching what the feeds carried. One row
-- per item key, as first read; its story and lists are those of the last
-- time it matched.
CREATE TABLE archive (
    item_key      TEXT PRIMARY KEY,
    feed_id       TEXT NOT NULL,
    feed          TEXT NOT NULL,
    title         TEXT NOT NULL,
    summary       TEXT NOT NULL,
    link          TEXT,
    published_at  BIGINT,
    language      TEXT,
    story_id      TEXT,
    lists         TEXT NOT NULL,
    archived_at   BIGINT NOT NULL
);
CREATE INDEX archive_by_time ON archive (archived_at);
