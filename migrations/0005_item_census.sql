-- What the last parse of each feed read: items found, and items the
-- document held that could not be read (a shortfall is never silent).
ALTER TABLE feeds ADD COLUMN items_found BIGINT;
ALTER TABLE feeds ADD COLUMN items_dropped BIGINT NOT NULL DEFAULT 0;
