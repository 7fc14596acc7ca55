-- Stories: what makes one story out of many items (issue: one story, one
-- alert). Hashes are 64-bit SimHashes stored as signed BIGINT.
CREATE TABLE stories (
    story_id        TEXT PRIMARY KEY,
    created_at      BIGINT NOT NULL,
    title           TEXT NOT NULL,
    title_hash      BIGINT NOT NULL,
    lede_hash       BIGINT NOT NULL,
    lede_words      BIGINT NOT NULL,
    host            TEXT,
    lists           TEXT NOT NULL,       -- lists alerted so far, comma-separated, sorted
    sources         TEXT NOT NULL,       -- feeds that carried it, JSON array
    last_update_at  BIGINT
);
CREATE INDEX stories_by_age ON stories (created_at);

-- SimHash bands (headline and lede), for finding near-duplicate candidates.
CREATE TABLE story_bands (
    band_key    BIGINT NOT NULL,
    story_id    TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX story_bands_lookup ON story_bands (band_key, created_at);
CREATE INDEX story_bands_story ON story_bands (story_id);

-- Canonical links already seen, and their story.
CREATE TABLE story_links (
    link_key    TEXT PRIMARY KEY,
    story_id    TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

-- Seen items remember their story, the lists they alerted, and when they
-- were last present in their feed (for retention).
ALTER TABLE seen ADD COLUMN story_id TEXT;
ALTER TABLE seen ADD COLUMN lists TEXT;
ALTER TABLE seen ADD COLUMN last_seen_at BIGINT;
ALTER TABLE seen ADD COLUMN last_generation BIGINT;
ALTER TABLE feeds ADD COLUMN content_generation BIGINT NOT NULL DEFAULT 0;
