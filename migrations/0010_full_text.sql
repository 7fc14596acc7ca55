-- Full text: the archive keeps each item's fetched article text (capped,
-- empty when none was fetched), and the items whose article was fetched
-- (or passed over as backlog) are remembered, so a page is fetched at
-- most once per item even when the item matched nothing (unmatched items
-- are not in `seen`) and the archive is off.
ALTER TABLE archive ADD COLUMN article TEXT NOT NULL DEFAULT '';
CREATE TABLE article_fetches (
    item_key    TEXT PRIMARY KEY,
    fetched_at  BIGINT NOT NULL
);
CREATE INDEX article_fetches_by_time ON article_fetches (fetched_at);
